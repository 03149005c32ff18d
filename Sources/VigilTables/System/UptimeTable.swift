import VigilSQL
import VigilSystem

/// `uptime`: time since boot from /proc/uptime, whole seconds split into parts.
public struct UptimeTable: VirtualTable {
    public let schema = TableSchema("uptime", "Time since the system booted.", [
        Column("days", .integer, "Days"),
        Column("hours", .integer, "Hours past the days"),
        Column("minutes", .integer, "Minutes past the hours"),
        Column("seconds", .integer, "Seconds past the minutes"),
        Column("total_seconds", .bigint, "Total seconds since boot"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let total: Int64
        do { total = Int64(try Uptime.seconds()) } catch { throw TableError("uptime: \(error)") }
        var row = Row(schema)
        row["days"] = .integer(total / 86400)
        row["hours"] = .integer(total % 86400 / 3600)
        row["minutes"] = .integer(total % 3600 / 60)
        row["seconds"] = .integer(total % 60)
        row["total_seconds"] = .integer(total)
        return RowSequence([row])
    }
}
