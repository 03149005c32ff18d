import VigilSQL
import VigilSystem

/// `listening_ports`: sockets waiting for peers. TCP sockets in LISTEN, other inet
/// sockets bound with no remote end (UDP), and unix sockets with a path, each
/// with the process holding it (pid -1 when none does).
public struct ListeningPortsTable: VirtualTable {
    public let schema = TableSchema("listening_ports", "Processes with listening (bound) network sockets/ports.", [
        Column("pid", .integer, "Process (or thread) ID"),
        Column("port", .integer, "Transport layer port"),
        Column("protocol", .integer, "Transport protocol (TCP/UDP)"),
        Column("family", .integer, "Network protocol (IPv4, IPv6)"),
        Column("address", .text, "Specific address for bind"),
        Column("fd", .bigint, "Socket file descriptor number"),
        Column("socket", .bigint, "Socket handle or inode number"),
        Column("path", .text, "Path for UNIX domain sockets"),
        Column("net_namespace", .text, "The inode number of the network namespace"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let sockets: [OwnedSocket]
        do {
            sockets = try ProcessSockets.collect(pids: nil)
        } catch {
            throw TableError("listening_ports: \(error)")
        }
        return RowSequence(sockets.filter { Self.isListening($0.socket) }) { o in
            let s = o.socket
            var row = Row(schema)
            row["pid"] = .integer(Int64(o.pid ?? -1))
            row["protocol"] = SQLValue(s.protocolNumber)
            row["family"] = SQLValue(s.family)
            row["fd"] = .integer(o.fd ?? -1)
            row["net_namespace"] = .text(String(o.netNamespace))
            if s.family == InetAddress.familyUnix {
                // osquery reports unix listeners by path, with port and socket 0.
                row["port"] = 0
                row["socket"] = 0
                row["path"] = .text(s.path)
            } else {
                row["port"] = SQLValue(s.localPort)
                row["address"] = .text(s.localAddress)
                row["socket"] = SQLValue(s.inode)
            }
            return row
        }
    }

    static func isListening(_ s: NetSocket) -> Bool {
        if s.family == InetAddress.familyUnix { return !s.path.isEmpty }
        // A connected socket has a remote port; an unconnected TCP socket is not listening.
        if s.remotePort != 0 { return false }
        return s.protocolNumber != 6 || s.state == "LISTEN"
    }
}
