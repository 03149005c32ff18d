import VigilSQL
import VigilSystem

/// `process_open_sockets`: sockets held by processes, joining /proc/PID/fd socket
/// inodes with each network namespace's /proc/net lists. Unconstrained, it also
/// lists sockets no process holds, with pid and fd -1 (as osquery does).
public struct ProcessOpenSocketsTable: VirtualTable {
    public let schema = TableSchema("process_open_sockets", "Sockets per process (/proc/PID/fd joined with /proc/net), plus unheld ones.", [
        Column("pid", .integer, "Process holding the socket; -1 for one no process holds", .index),
        Column("fd", .bigint, "Descriptor number in that process; -1 if no process holds it"),
        Column("socket", .bigint, "Socket inode (the N of socket:[N])"),
        Column("family", .integer, "Address family number: 1 unix, 2 IPv4, 10 IPv6"),
        Column("protocol", .integer, "IP protocol number (6 TCP, 17 UDP, 1 ICMP, 255 raw); 0 for unix"),
        Column("local_address", .text, "Our IP address; empty for unix sockets"),
        Column("remote_address", .text, "Peer IP address; empty for unix sockets"),
        Column("local_port", .integer, "Our port number; 0 for unix sockets"),
        Column("remote_port", .integer, "Peer port number; 0 when not connected"),
        Column("path", .text, "Unix socket path (@name if abstract); empty for IP sockets"),
        Column("state", .text, "TCP state name (LISTEN, ESTABLISHED, ...); empty for other protocols"),
        Column("net_namespace", .text, "Inode of the socket's network namespace (0 if unreadable)"),
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
