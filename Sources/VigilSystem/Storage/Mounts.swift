import Glibc

/// One line of /proc/mounts (fstab(5) format).
public struct MountEntry: Sendable, Equatable {
    public var device: String
    public var path: String
    public var type: String
    public var options: String
}

/// statvfs(3) of a mounted filesystem.
public struct FileSystemStats: Sendable, Equatable {
    public var blockSize: Int64
    public var blocks: Int64
    /// Free blocks, including those reserved for root.
    public var blocksFree: Int64
    /// Free blocks an unprivileged user may use.
    public var blocksAvailable: Int64
    public var inodes: Int64
    public var inodesFree: Int64
}

public enum Mounts {
    public static func read() throws(SystemError) -> [MountEntry] {
        parse(try FileSystem.readText("/proc/mounts"))
    }

    public static func parse(_ text: String) -> [MountEntry] {
        FileSystem.lines(text).compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 4 else { return nil }
            return MountEntry(device: unescape(f[0]), path: unescape(f[1]), type: unescape(f[2]), options: String(f[3]))
        }
    }

    /// The kernel writes space, tab, newline and backslash in names as \ooo octal.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes = Array(field.utf8)[...]
        var out: [UInt8] = []
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "\\"), bytes.count >= 3,
               let v = UInt8(String(decoding: bytes.prefix(3), as: UTF8.self), radix: 8) {
                out.append(v)
                bytes = bytes.dropFirst(3)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// statvfs of a mount point (Glibc's module map has no sys/statfs.h). Can block
    /// on an unresponsive network filesystem, which is why callers only ask when
    /// the columns are used. Block counts are in f_frsize units, so that is the size given.
    public static func stats(_ path: String) throws(SystemError) -> FileSystemStats {
        var s = statvfs()
        _ = try retryingEINTR("statvfs", path: path) { statvfs(path, &s) }
        return FileSystemStats(blockSize: Int64(s.f_frsize), blocks: Int64(s.f_blocks), blocksFree: Int64(s.f_bfree),
                               blocksAvailable: Int64(s.f_bavail), inodes: Int64(s.f_files), inodesFree: Int64(s.f_ffree))
    }

    /// realpath(3), or nil when the path does not resolve (pseudo devices like "proc").
    public static func resolve(_ path: String) -> String? {
        guard path.hasPrefix("/"), let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
