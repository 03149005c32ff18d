/// The fields Vigil uses from /proc/PID/status: ids and memory.
public struct ProcessStatus: Sendable, Equatable {
    /// Real, effective, saved and filesystem ids (the Uid:/Gid: lines).
    public var uids: [Int64] = []
    public var gids: [Int64] = []
    /// Memory in bytes (the status file reports kB).
    public var virtualBytes: Int64 = 0
    public var residentBytes: Int64 = 0
    public var lockedBytes: Int64 = 0
    public var threads: Int64 = 0
    public var parent: Int64 = 0

    public static func read(_ pid: Int32) throws(SystemError) -> ProcessStatus {
        try ProcessDirectory(pid).status()
    }

    public static func parse(_ text: String) -> ProcessStatus { parse(Array(text.utf8)) }

    /// Parse the bytes of a status file. Works on bytes, not Characters: this runs
    /// once per process per scan and String's grapheme walk costs more than the read.
    public static func parse(_ bytes: [UInt8]) -> ProcessStatus {
        var s = ProcessStatus()
        for line in ByteLines(bytes) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let key = line[line.startIndex..<colon]
            let value = line[(colon + 1)...]
            switch key.count {
            case 3 where key.elementsEqual("Uid".utf8): s.uids = ByteLines.integers(value)
            case 3 where key.elementsEqual("Gid".utf8): s.gids = ByteLines.integers(value)
            case 4 where key.elementsEqual("PPid".utf8): s.parent = ByteLines.integers(value).first ?? 0
            case 5 where key.elementsEqual("VmRSS".utf8): s.residentBytes = (ByteLines.integers(value).first ?? 0) * 1024
            case 5 where key.elementsEqual("VmLck".utf8): s.lockedBytes = (ByteLines.integers(value).first ?? 0) * 1024
            case 6 where key.elementsEqual("VmSize".utf8): s.virtualBytes = (ByteLines.integers(value).first ?? 0) * 1024
            case 7 where key.elementsEqual("Threads".utf8): s.threads = ByteLines.integers(value).first ?? 0
            default: break
            }
        }
        return s
    }
}
