import VigilSQL
import VigilSystem

/// `time`: the current time in UTC, one row.
public struct TimeTable: VirtualTable {
    public let schema = TableSchema("time", "Current date and time (UTC).", [
        Column("weekday", .text, "Day of the week"),
        Column("year", .integer, "Year"),
        Column("month", .integer, "Month (1-12)"),
        Column("day", .integer, "Day of the month"),
        Column("hour", .integer, "Hour (0-23)"),
        Column("minutes", .integer, "Minutes"),
        Column("seconds", .integer, "Seconds"),
        Column("timezone", .text, "Time zone of the columns above (always UTC)"),
        Column("local_timezone", .text, "The system's local time zone abbreviation"),
        Column("unix_time", .integer, "Seconds since the epoch"),
        Column("timestamp", .text, "Date and time as asctime prints it, in UTC"),
        Column("datetime", .text, "Date and time in ISO 8601 form"),
        Column("iso_8601", .text, "Date and time in ISO 8601 form"),
    ])

    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let t = CalendarTime.now()
        let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        let clock = "\(two(t.hour)):\(two(t.minute)):\(two(t.second))"
        let iso = "\(t.year)-\(two(t.month))-\(two(t.day))T\(clock)Z"
        let paddedDay = t.day < 10 ? " \(t.day)" : "\(t.day)"
        var row = Row(schema)
        row["weekday"] = .text(Self.weekdays[t.weekday])
        row["year"] = SQLValue(t.year)
        row["month"] = SQLValue(t.month)
        row["day"] = SQLValue(t.day)
        row["hour"] = SQLValue(t.hour)
        row["minutes"] = SQLValue(t.minute)
        row["seconds"] = SQLValue(t.second)
        row["timezone"] = "UTC"
        row["local_timezone"] = .text(t.localZone)
        row["unix_time"] = .integer(t.unixTime)
        row["timestamp"] = .text("\(Self.weekdays[t.weekday].prefix(3)) \(Self.months[t.month - 1]) \(paddedDay) \(clock) \(t.year) UTC")
        row["datetime"] = .text(iso)
        row["iso_8601"] = .text(iso)
        return RowSequence([row])
    }
}
