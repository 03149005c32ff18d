import Glibc

/// An open /proc/PID directory. Every read goes through this one descriptor
/// (openat/readlinkat), which saves a path walk per file and pins the process:
/// if it exits and its pid is reused mid-read, reads fail (ESRCH) instead of
/// mixing two processes' data into one row.
public final class ProcessDirectory {
    public let pid: Int32
    let fd: Int32

    /// Open /proc/PID.
    public init(_ pid: Int32) throws(SystemError) {
        self.pid = pid
        let path = "\(ProcFS.root)/\(pid)"
        fd = try retryingEINTR("open", path: path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    }

    deinit { close(fd) }

    public func read(_ name: String, limit: Int = 1 << 20) throws(SystemError) -> [UInt8] {
        try FileSystem.read(at: fd, name, limit: limit)
    }

    /// For files whose short read is their end, saving the read that would only see
    /// EOF (for cmdline, another trip into the process's memory): stat, status, io and
    /// cgroup are seq files written whole by one show call, and cmdline reads the
    /// process's memory until the buffer is full. Not for files of many records
    /// (maps, mounts), which stop a read short at a record that does not fit.
    func readWhole(_ name: String, limit: Int = 1 << 20) throws(SystemError) -> [UInt8] {
        try FileSystem.read(at: fd, name, limit: limit, shortReadEnds: true)
    }

    /// readlink of exe, cwd or root; strips and reports the kernel's " (deleted)" suffix.
    public func link(_ name: String) throws(SystemError) -> (path: String, deleted: Bool) {
        let target = try FileSystem.readLink(at: fd, name)
        if target.hasSuffix(" (deleted)") { return (String(target.dropLast(10)), true) }
        return (target, false)
    }

    public func stat() throws(SystemError) -> ProcessStat {
        let bytes = try readWhole("stat", limit: 4096)
        guard let stat = ProcessStat.parse(bytes) else { throw SystemError("parse", path: "/proc/\(pid)/stat", errno: EBADMSG) }
        return stat
    }

    public func status() throws(SystemError) -> ProcessStatus { ProcessStatus.parse(try readWhole("status", limit: 16 << 10)) }

    /// cmdline with NULs as spaces (osquery's rendering).
    public func cmdline() throws(SystemError) -> String { ProcFS.joinNulSeparated(try readWhole("cmdline")) }

    public func io() throws(SystemError) -> ProcessIO { ProcessIO.parse(try readWhole("io")) }

    public func cgroupPath() throws(SystemError) -> String { ProcFS.parseCgroupPath(try readWhole("cgroup")) }

    /// Whether the process still exists (a zombie does).
    public var isAlive: Bool { faccessat(fd, "stat", F_OK, 0) == 0 }
}

/// Storage I/O counters from /proc/PID/io (-1 when absent).
public struct ProcessIO: Sendable, Equatable {
    public var readBytes: Int64 = -1
    public var writeBytes: Int64 = -1

    public static func parse(_ bytes: [UInt8]) -> ProcessIO {
        var io = ProcessIO()
        for line in ByteLines(bytes) {
            if line.starts(with: "read_bytes:".utf8) {
                io.readBytes = ByteLines.integers(line.dropFirst(11)).first ?? -1
            } else if line.starts(with: "write_bytes:".utf8) {
                io.writeBytes = ByteLines.integers(line.dropFirst(12)).first ?? -1
            }
        }
        return io
    }
}
