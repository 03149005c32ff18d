import VigilSQL
import VigilSystem

/// `process_open_sockets`: sockets held by processes, joining /proc/PID/fd socket
/// inodes with each network namespace's /proc/net lists. Unconstrained, it also
/// lists sockets no process holds, with pid and fd -1 (as osquery does).
public struct ProcessOpenSocketsTable: VirtualTable {
    public let schema = TableSchema("process_open_sockets", "Processes which have open network sockets on the system.", [
        Column("pid", .integer, "Process (or thread) ID", .index),
        Column("fd", .bigint, "Socket file descriptor number"),
        Column("socket", .bigint, "Socket handle or inode number"),
        Column("family", .integer, "Network protocol (IPv4, IPv6)"),
        Column("protocol", .integer, "Transport protocol (TCP/UDP)"),
        Column("local_address", .text, "Socket local address"),
        Column("remote_address", .text, "Socket remote address"),
        Column("local_port", .integer, "Socket local port"),
        Column("remote_port", .integer, "Socket remote port"),
        Column("path", .text, "For UNIX sockets (family=AF_UNIX), the domain path"),
        Column("state", .text, "TCP socket state"),
        Column("net_namespace", .text, "The inode number of the network namespace"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let wanted: [Int32]?
        if let pids = context.integers("pid") {
            wanted = try ProcFS.pids(constrainedTo: pids)
        } else {
            wanted = nil
        }
        let sockets: [OwnedSocket]
        do {
            sockets = try ProcessSockets.collect(pids: wanted)
        } catch {
            throw TableError("process_open_sockets: \(error)")
        }
        return RowSequence(sockets) { o in
            var row = Row(schema)
            row["pid"] = .integer(Int64(o.pid ?? -1))
            row["fd"] = .integer(o.fd ?? -1)
            row["socket"] = SQLValue(o.socket.inode)
            row["family"] = SQLValue(o.socket.family)
            row["protocol"] = SQLValue(o.socket.protocolNumber)
            row["local_address"] = .text(o.socket.localAddress)
            row["remote_address"] = .text(o.socket.remoteAddress)
            row["local_port"] = SQLValue(o.socket.localPort)
            row["remote_port"] = SQLValue(o.socket.remotePort)
            row["path"] = .text(o.socket.path)
            row["state"] = .text(o.socket.state)
            row["net_namespace"] = .text(String(o.netNamespace))
            return row
        }
    }
}
