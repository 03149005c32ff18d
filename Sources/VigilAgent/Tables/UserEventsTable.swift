import VigilSQL
import VigilSystem

/// `user_events`: the audit records user space sends (AUDIT_USER_*: logins, su, sudo,
/// PAM, auditctl), read from the audit socket, with osquery's columns.
public struct UserEventsTable: VirtualTable {
    public static let schema = TableSchema("user_events", "User-space audit records (logins, authentication, account changes) from the audit socket since the scheduled query last ran (all buffered events for an ad hoc query).", [
        Column("uid", .bigint, "User ID"),
        Column("auid", .bigint, "Audit User ID"),
        Column("pid", .bigint, "Process (or thread) ID"),
        Column("message", .text, "Path of executed file"),
        Column("type", .integer, "The file description for the process socket"),
        Column("path", .text, "The socket open attempt status"),
        Column("address", .text, "The Internet protocol family ID"),
        Column("terminal", .text, "The network protocol ID"),
        Column("time", .bigint, "Time of execution in UNIX time"),
        Column("uptime", .bigint, "Time of execution in system uptime"),
        Column("eid", .text, "Event ID", .hidden),
    ])
    public var schema: TableSchema { Self.schema }
    let store: EventStore

    public init(store: EventStore) { self.store = store }

    public func generate(_ context: QueryContext) throws -> RowSequence { store.rows(Self.schema) }

    /// AUDIT_FIRST_USER_MSG..AUDIT_LAST_USER_MSG and the second user range, less
    /// USER_AVC (1107), which is selinux_events'.
    static func contains(_ type: UInt16) -> Bool { (type >= 1100 && type <= 1199 && type != 1107) || (type >= 2100 && type <= 2999) }

    static func row(_ record: AuditRecord, uptime: Int64) -> [SQLValue] {
        let f = record.fields
        // The sender's own fields are inside msg='...': op, acct, exe, hostname, addr, terminal, res.
        let message = f["msg"] ?? ""
        let inner = AuditRecord.fields(message)
        var row = Row(schema)
        row["uid"] = SQLValue(f["uid"].flatMap { Int64($0) })
        row["auid"] = SQLValue(f["auid"].flatMap { Int64($0) })
        row["pid"] = SQLValue(f["pid"].flatMap { Int64($0) })
        row["message"] = .text(message)
        row["type"] = SQLValue(Int64(record.type))
        row["path"] = .text(inner["exe"] ?? "")
        row["address"] = .text(inner["addr"] ?? "")
        row["terminal"] = .text(inner["terminal"] ?? "")
        row["time"] = SQLValue(record.milliseconds / 1000)
        row["uptime"] = SQLValue(uptime)
        return row.values
    }
}
