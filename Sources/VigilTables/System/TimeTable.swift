import VigilSQL
import VigilSystem

/// `time`: the current time in UTC, one row.
public struct TimeTable: VirtualTable {
    public let schema = TableSchema("time", "The current time, broken down in UTC (one row).", [
        Column("weekday", .text, "English day name (Sunday ... Saturday)"),
        Column("year", .integer, "Four-digit year"),
        Column("month", .integer, "Month number, 1 to 12"),
        Column("day", .integer, "Calendar day, 1 to 31"),
        Column("hour", .integer, "Hour, 0 to 23"),
        Column("minutes", .integer, "Minute, 0 to 59"),
        Column("seconds", .integer, "Second, 0 to 59"),
        Column("timezone", .text, "Always UTC, the zone of the broken-down fields"),
        Column("local_timezone", .text, "Abbreviation of the host's local zone right now (CET, PDT, ...)"),
        Column("unix_time", .integer, "Seconds since 1970-01-01 00:00 UTC"),
        Column("timestamp", .text, "asctime-style text in UTC, e.g. 'Mon Jan  2 15:04:05 2006 UTC'"),
        Column("datetime", .text, "ISO 8601 in UTC, e.g. 2006-01-02T15:04:05Z"),
        Column("iso_8601", .text, "Identical to datetime"),
        .otherPlatform("win_timestamp", .bigint, "Windows", "timestamp in 100 ns units"),
        .alias("date_time", of: "datetime", .text),
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
