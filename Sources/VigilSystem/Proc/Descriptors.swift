import Glibc

/// Open descriptors and namespaces of a process, from /proc/PID/fd and /proc/PID/ns.
extension ProcFS {
    /// One entry of /proc/PID/fd: the descriptor number and what its link points at
    /// ("/etc/passwd", "socket:[1234]", "pipe:[99]", "anon_inode:[eventfd]").
    public struct Descriptor: Sendable, Equatable {
        public let fd: Int64
        public let target: String

        /// The socket inode when the descriptor is a socket.
        public var socketInode: UInt64? {
            guard target.hasPrefix("socket:["), target.hasSuffix("]") else { return nil }
            return UInt64(target.dropFirst(8).dropLast())
        }
    }

    /// Every descriptor the process holds. Descriptors closed between the listing
    /// and the readlink are skipped; an exited process throws (isGone).
    public static func descriptors(_ pid: Int32) throws(SystemError) -> [Descriptor] {
        let dir = "\(root)/\(pid)/fd"
        var out: [Descriptor] = []
        for name in try FileSystem.list(dir) {
            guard let fd = Int64(name), let target = try? FileSystem.readLink("\(dir)/\(name)") else { continue }
            out.append(Descriptor(fd: fd, target: target))
        }
        return out.sorted { $0.fd < $1.fd }
    }

    /// The inode of one of the process's namespaces ("net" → the N of "net:[N]").
    public static func namespaceInode(_ pid: Int32, _ kind: String) throws(SystemError) -> UInt64 {
        let target = try FileSystem.readLink("\(root)/\(pid)/ns/\(kind)")
        guard target.hasPrefix("\(kind):["), target.hasSuffix("]"),
              let inode = UInt64(target.dropFirst(kind.count + 2).dropLast()) else {
            throw SystemError("readlink", path: "\(root)/\(pid)/ns/\(kind)", errno: EINVAL)
        }
        return inode
    }
}
