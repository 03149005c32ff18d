import Glibc

/// Readers for /proc/PID/*. Each returns nil or throws a `SystemError` whose
/// `isGone` is true when the process exited mid-read, which callers treat as
/// "skip this process", never as a failure.
public enum ProcFS {
    public static let root = "/proc"

    /// Clock ticks per second (sysconf(_SC_CLK_TCK)), for /proc times.
    public static let ticksPerSecond: Int64 = Int64(sysconf(Int32(_SC_CLK_TCK)))
    /// Page size in bytes.
    public static let pageSize: Int64 = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// Every pid in /proc, in directory order.
    public static func pids() throws(SystemError) -> [Int32] {
        try FileSystem.list(root).compactMap { name in
            guard let first = name.utf8.first, first >= 48 && first <= 57 else { return nil }
            return Int32(name)
        }
    }

    /// Whether /proc/PID still exists (zombies included).
    public static func isAlive(_ pid: Int32) -> Bool { access("\(root)/\(pid)/stat", F_OK) == 0 }

    /// /proc/PID/cmdline with NUL separators turned into spaces (osquery's rendering).
    public static func cmdline(_ pid: Int32) throws(SystemError) -> String {
        try ProcessDirectory(pid).cmdline()
    }

    /// Argument vector from /proc/PID/cmdline.
    public static func arguments(_ pid: Int32) throws(SystemError) -> [String] {
        try FileSystem.read("\(root)/\(pid)/cmdline").split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Environment from /proc/PID/environ as (key, value) pairs.
    public static func environment(_ pid: Int32) throws(SystemError) -> [(String, String)] {
        try FileSystem.read("\(root)/\(pid)/environ").split(separator: 0).map { entry in
            if let eq = entry.firstIndex(of: UInt8(ascii: "=")) {
                return (String(decoding: entry[entry.startIndex..<eq], as: UTF8.self),
                        String(decoding: entry[(eq + 1)...], as: UTF8.self))
            }
            return (String(decoding: entry, as: UTF8.self), "")
        }
    }

    /// readlink of /proc/PID/{exe,cwd,root}. Returns the path and whether the
    /// target was deleted (the kernel appends " (deleted)").
    public static func link(_ pid: Int32, _ name: String) throws(SystemError) -> (path: String, deleted: Bool) {
        try ProcessDirectory(pid).link(name)
    }

    /// The cgroup v2 path from the text of /proc/PID/cgroup ("0::/path"), or the first hierarchy's.
    static func parseCgroupPath(_ bytes: [UInt8]) -> String {
        var first: ArraySlice<UInt8>?
        for line in ByteLines(bytes) {
            let parts = line.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0].elementsEqual("0".utf8) && parts[1].isEmpty { return String(decoding: parts[2], as: UTF8.self) }
            if first == nil { first = parts[2] }
        }
        return first.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Boot time in seconds since the epoch (btime in /proc/stat).
    public static func bootTime() -> Int64 {
        guard let text = FileSystem.readTextIfPresent("\(root)/stat") else { return 0 }
        for line in FileSystem.lines(text) where line.hasPrefix("btime ") {
            return Int64(line.dropFirst(6).trimmingCharacters()) ?? 0
        }
        return 0
    }

    static func joinNulSeparated(_ bytes: [UInt8]) -> String {
        var b = bytes
        while b.last == 0 { b.removeLast() }
        for i in b.indices where b[i] == 0 { b[i] = UInt8(ascii: " ") }
        return String(decoding: b, as: UTF8.self)
    }
}

extension String {
    /// Padded with spaces to `width` characters, with at least `minimumGap` spaces (column layout).
    public func padded(to width: Int, minimumGap: Int = 0) -> String {
        self + String(repeating: " ", count: max(minimumGap, width - count))
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and newlines.
    public func trimmingCharacters() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

/// Thrown by `ProcFS.attempt` when the process exited while it was being read.
public struct ProcessGone: Error, Sendable {
    public let pid: Int32
}

extension ProcFS {
    /// Run one read of /proc/PID. A process that has exited throws `ProcessGone`
    /// (skip it); any other failure (permission, a zombie's missing exe) gives nil.
    public static func attempt<T>(_ pid: Int32, _ read: () throws(SystemError) -> T) throws(ProcessGone) -> T? {
        do {
            return try read()
        } catch {
            if error.isGone && !isAlive(pid) { throw ProcessGone(pid: pid) }
            return nil
        }
    }

    /// `attempt` for reads through an open /proc/PID directory.
    public static func attempt<T>(_ directory: ProcessDirectory, _ read: (ProcessDirectory) throws(SystemError) -> T) throws(ProcessGone) -> T? {
        do {
            return try read(directory)
        } catch {
            if error.isGone && !directory.isAlive { throw ProcessGone(pid: directory.pid) }
            return nil
        }
    }
}
