import VigilSQL
import VigilSystem

/// `listening_ports`: sockets waiting for peers. TCP sockets in LISTEN, other inet
/// sockets bound with no remote end (UDP), and unix sockets with a path, each
/// with the process holding it (pid -1 when none does).
public struct ListeningPortsTable: VirtualTable {
    public let schema = TableSchema("listening_ports", "Sockets awaiting peers: TCP LISTEN, other IP sockets with no peer, named unix.", [
        Column("pid", .integer, "Process holding the socket; -1 if no process was found"),
        Column("port", .integer, "Local port number; 0 for unix sockets"),
        Column("protocol", .integer, "IP protocol number (6 TCP, 17 UDP, ...); 0 for unix sockets"),
        Column("family", .integer, "Address family number: 1 unix, 2 IPv4, 10 IPv6"),
        Column("address", .text, "Local address bound (0.0.0.0 or :: means all); NULL for unix sockets"),
        Column("fd", .bigint, "Descriptor number in the holding process; -1 if none"),
        Column("socket", .bigint, "Socket inode from /proc/net; 0 for unix sockets"),
        Column("path", .text, "Bound unix socket path (@name if abstract); NULL for IP sockets"),
        Column("net_namespace", .text, "Inode of the socket's network namespace (0 if unreadable)"),
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
