import VigilSQL
import VigilSystem

/// `selinux_events`: SELinux's audit records (AVC denials, policy loads, status
/// changes), read from the audit socket, with osquery's columns.
public struct SELinuxEventsTable: VirtualTable {
    public static let schema = TableSchema("selinux_events", "SELinux audit records (AVC denials, policy loads, enforcing changes) from the audit socket since the scheduled query last ran (all buffered events for an ad hoc query).", [
        Column("type", .text, "Event type"),
        Column("message", .text, "Message"),
        Column("time", .bigint, "Time of execution in UNIX time", .additional),
        Column("uptime", .bigint, "Time of execution in system uptime"),
        Column("eid", .text, "Event ID", .hidden),
    ])
    public var schema: TableSchema { Self.schema }
    let store: EventStore

    public init(store: EventStore) { self.store = store }

    public func generate(_ context: QueryContext) throws -> RowSequence { store.rows(Self.schema) }

    /// The kernel's names of the SELinux record types (linux/audit.h): 1400-1499 and USER_AVC.
    static let typeNames: [UInt16: String] = [
        1107: "USER_AVC", 1400: "AVC", 1401: "SELINUX_ERR", 1402: "AVC_PATH", 1403: "MAC_POLICY_LOAD",
        1404: "MAC_STATUS", 1405: "MAC_CONFIG_CHANGE", 1406: "MAC_UNLBL_ALLOW", 1407: "MAC_CIPSOV4_ADD",
        1408: "MAC_CIPSOV4_DEL", 1409: "MAC_MAP_ADD", 1410: "MAC_MAP_DEL", 1411: "MAC_IPSEC_ADDSA",
        1412: "MAC_IPSEC_DELSA", 1413: "MAC_IPSEC_ADDSPD", 1414: "MAC_IPSEC_DELSPD", 1415: "MAC_IPSEC_EVENT",
        1416: "MAC_UNLBL_STCADD", 1417: "MAC_UNLBL_STCDEL", 1418: "MAC_CALIPSO_ADD", 1419: "MAC_CALIPSO_DEL",
    ]

    static func contains(_ type: UInt16) -> Bool { type == 1107 || (type >= 1400 && type <= 1499) }

    static func row(_ record: AuditRecord, uptime: Int64) -> [SQLValue] {
        var row = Row(schema)
        row["type"] = .text(typeNames[record.type] ?? String(record.type))
        row["message"] = .text(record.body)
        row["time"] = SQLValue(record.milliseconds / 1000)
        row["uptime"] = SQLValue(uptime)
        return row.values
    }
}
