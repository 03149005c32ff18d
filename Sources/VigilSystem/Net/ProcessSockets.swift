/// A socket joined with the process descriptor that holds it.
public struct OwnedSocket: Sendable {
    /// The holder, or nil for a socket no scanned process holds (TIME_WAIT, kernel sockets).
    public let pid: Int32?
    public let fd: Int64?
    /// Inode of the network namespace the socket lives in (0 when it could not be read).
    public let netNamespace: UInt64
    public let socket: NetSocket
}

/// Ties /proc/net socket lists to processes: socket inodes come from
/// /proc/PID/fd links, and each network namespace's lists are read once,
/// through the first process found in it (/proc/PID/net).
public enum ProcessSockets {
    /// Sockets of `pids`, or of every process (plus unowned sockets) when `pids` is nil.
    /// A socket shared by several processes (inherited across fork) gives one entry per holder.
    public static func collect(pids wanted: [Int32]?) throws(SystemError) -> [OwnedSocket] {
        let pids: [Int32]
        if let wanted { pids = wanted } else { pids = try ProcFS.pids() }
        var holders: [UInt64: [(pid: Int32, fd: Int64)]] = [:]
        var namespaces: [UInt64] = []
        var sockets: [UInt64: [NetSocket]] = [:]
        var fallback: Int32?
        for pid in pids {
            // A process that exits or hides its fds still lets us read its namespace, and vice versa.
            for d in (try? ProcFS.descriptors(pid)) ?? [] {
                if let inode = d.socketInode { holders[inode, default: []].append((pid, d.fd)) }
            }
            // A namespace link we may not read (another user namespace) could be any
            // namespace, often one read anyway: use such a pid only if no namespace is readable.
            guard let ns = try? ProcFS.namespaceInode(pid, "net") else {
                if fallback == nil { fallback = pid }
                continue
            }
            if sockets[ns] == nil, let list = try? SocketTable.all(in: "\(ProcFS.root)/\(pid)/net") {
                sockets[ns] = list
                namespaces.append(ns)
            }
        }
        if namespaces.isEmpty, let pid = fallback {
            sockets[0] = try SocketTable.all(in: "\(ProcFS.root)/\(pid)/net")
            namespaces.append(0)
        }
        var out: [OwnedSocket] = []
        for ns in namespaces {
            for socket in sockets[ns] ?? [] {
                if let owners = holders[socket.inode], socket.inode != 0 {
                    for o in owners { out.append(OwnedSocket(pid: o.pid, fd: o.fd, netNamespace: ns, socket: socket)) }
                } else if wanted == nil {
                    out.append(OwnedSocket(pid: nil, fd: nil, netNamespace: ns, socket: socket))
                }
            }
        }
        return out
    }
}
