import VigilSQL
import VigilTrace

/// `socket_events`: TCP connects and accepts since the query last ran, from the
/// tracer (sock:inet_sock_set_state and accept), with osquery's columns.
public struct SocketEventsTable: VirtualTable {
    public static let schema = TableSchema("socket_events", "TCP connects and accepts seen by the kernel tracer since the scheduled query last ran (all buffered events for an ad hoc query).", [
        Column("action", .text, "The socket action (bind, listen, close)"),
        Column("pid", .bigint, "Process (or thread) ID"),
        Column("path", .text, "Path of executed file"),
        Column("fd", .text, "The file description for the process socket"),
        Column("auid", .bigint, "Audit User ID"),
        Column("success", .integer, "The socket open attempt status", .hidden),
        Column("family", .integer, "The Internet protocol family ID"),
        Column("protocol", .integer, "The network protocol ID", .hidden),
        Column("local_address", .text, "Local address associated with socket"),
        Column("remote_address", .text, "Remote address associated with socket"),
        Column("local_port", .integer, "Local network protocol port number"),
        Column("remote_port", .integer, "Remote network protocol port number"),
        Column("socket", .text, "The local path (UNIX domain socket only)", .hidden),
        Column("time", .bigint, "Time of execution in UNIX time"),
        Column("uptime", .bigint, "Time of execution in system uptime"),
        Column("eid", .text, "Event ID", .hidden),
        Column("status", .text, "Either 'succeeded', 'failed', 'in_progress' (connect() on non-blocking socket) or 'no_client' (null accept() on non-blocking socket)"),
    ])
    public var schema: TableSchema { Self.schema }
    let store: EventStore

    public init(store: EventStore) { self.store = store }

    public func generate(_ context: QueryContext) throws -> RowSequence { store.rows(Self.schema) }

    static func row(_ e: NetworkEvent, exe: String, time: Int64) -> [SQLValue] {
        var row = Row(schema)
        row["action"] = .text(e.kind == .accept ? "accept" : "connect")
        row["pid"] = e.ownerKnown ? SQLValue(e.header.pid) : .null
        row["path"] = e.ownerKnown ? .text(exe) : .null
        row["success"] = SQLValue(e.errorCode == 0)
        row["family"] = SQLValue(e.family == "ipv6" ? 10 : 2)
        row["protocol"] = 6
        row["local_address"] = .text(e.sourceAddress)
        row["remote_address"] = .text(e.destinationAddress)
        row["local_port"] = SQLValue(e.sourcePort)
        row["remote_port"] = SQLValue(e.destinationPort)
        row["time"] = SQLValue(time)
        row["uptime"] = SQLValue(e.header.bootTimeNanoseconds / 1_000_000_000)
        row["status"] = .text(e.errorCode == 0 ? "succeeded" : "failed")
        return row.values
    }
}
