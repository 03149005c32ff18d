import VigilSQL
import VigilSystem

/// `uptime`: time since boot from /proc/uptime, whole seconds split into parts.
public struct UptimeTable: VirtualTable {
    public let schema = TableSchema("uptime", "Whole seconds since boot from /proc/uptime (suspend included), split up.", [
        Column("days", .integer, "Complete days"),
        Column("hours", .integer, "Hours beyond the complete days (0-23)"),
        Column("minutes", .integer, "Minutes beyond the complete hours (0-59)"),
        Column("seconds", .integer, "Seconds beyond the complete minutes (0-59)"),
        Column("total_seconds", .bigint, "The whole span in seconds"),
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
