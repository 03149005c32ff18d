import CLinux
import Glibc

/// A process's memory as the kernel and (for this process) glibc's allocator see
/// it: what `vigil profile --self` and the agent's self-report show next to the
/// CPU profile.
public struct MemoryStatistics: Sendable, Equatable {
    /// Resident set now and its peak (VmRSS, VmHWM), and its anonymous and file-backed parts.
    public var residentBytes: Int64 = 0
    public var peakResidentBytes: Int64 = 0
    public var anonymousBytes: Int64 = 0
    public var fileBytes: Int64 = 0
    public var virtualBytes: Int64 = 0
    /// glibc malloc (mallinfo2), only for the calling process: bytes in use by
    /// live allocations, free inside the heap, and obtained with mmap.
    public var heapInUseBytes: Int64?
    public var heapFreeBytes: Int64?
    public var heapMappedBytes: Int64?

    /// Read /proc/PID/status (and mallinfo2 when `pid` is this process).
    public static func read(_ pid: Int32 = getpid()) throws(SystemError) -> MemoryStatistics {
        var m = parse(status: try ProcessDirectory(pid).read("status", limit: 16 << 10))
        if pid == getpid() {
            let info = mallinfo2()
            m.heapInUseBytes = Int64(info.uordblks)
            m.heapFreeBytes = Int64(info.fordblks)
            m.heapMappedBytes = Int64(info.hblkhd)
        }
        return m
    }

    /// The "Vm*"/"Rss*" lines of /proc/PID/status, in kB there.
    public static func parse(status bytes: [UInt8]) -> MemoryStatistics {
        var m = MemoryStatistics()
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int64($0) }.map { $0 * 1024 } ?? 0
            switch line[..<colon] {
            case "VmRSS": m.residentBytes = value
            case "VmHWM": m.peakResidentBytes = value
            case "RssAnon": m.anonymousBytes = value
            case "RssFile": m.fileBytes = value
            case "VmSize": m.virtualBytes = value
            default: break
            }
        }
        return m
    }
}
