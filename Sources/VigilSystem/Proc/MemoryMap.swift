/// One mapping from /proc/PID/maps: "start-end perms offset major:minor inode [path]".
/// The one parser of that file: the `process_memory_map` table, the profiler's
/// executable mappings and the agent's own working set all read it through here.
public struct MemoryRegion: Sendable, Equatable {
    public let start: UInt64
    /// One past the last byte.
    public let end: UInt64
    /// Four letters: r, w, x, then p (private) or s (shared).
    public let permissions: String
    /// Offset in the file of the byte mapped at `start`.
    public let offset: UInt64
    public let deviceMajor: UInt32
    public let deviceMinor: UInt32
    public let inode: UInt64
    /// The mapped file, a pseudo name like "[heap]", or empty for anonymous memory. A
    /// file deleted after it was mapped keeps its name, without the kernel's " (deleted)".
    public let path: String
    public let deleted: Bool

    public init(start: UInt64, end: UInt64, permissions: String, offset: UInt64, deviceMajor: UInt32 = 0, deviceMinor: UInt32 = 0,
                inode: UInt64, path: String, deleted: Bool = false) {
        self.start = start
        self.end = end
        self.permissions = permissions
        self.offset = offset
        self.deviceMajor = deviceMajor
        self.deviceMinor = deviceMinor
        self.inode = inode
        self.path = path
        self.deleted = deleted
    }

    public var isExecutable: Bool { permissions.utf8.dropFirst(2).first == UInt8(ascii: "x") }
    /// Named but not backed by a file ([heap], [stack], [vdso]...).
    public var isPseudo: Bool { inode == 0 && !path.isEmpty }
    /// The device as the file writes it: hex major:minor, at least two digits each.
    public var deviceText: String { MemoryMap.hex(UInt64(deviceMajor), width: 2) + ":" + MemoryMap.hex(UInt64(deviceMinor), width: 2) }
    /// The path as the file writes it, " (deleted)" included.
    public var pathText: String { deleted ? path + " (deleted)" : path }
}

public enum MemoryMap {
    /// Every region of a maps file, in the file's order (ascending addresses).
    /// `executableOnly` skips the others before their path is decoded (the profiler's case).
    public static func parse(_ bytes: [UInt8], executableOnly: Bool = false) -> [MemoryRegion] {
        var out: [MemoryRegion] = []
        for line in ByteLines(bytes) {
            if let region = parseLine(line, executableOnly: executableOnly) { out.append(region) }
        }
        return out
    }

    /// One line, or nil for a malformed line (or, with `executableOnly`, a region that
    /// cannot run code).
    public static func parseLine(_ line: ArraySlice<UInt8>, executableOnly: Bool = false) -> MemoryRegion? {
        // Five space-separated fields, then the path, which may itself hold spaces
        // (and end in them): only the padding before it is dropped.
        var fields: [ArraySlice<UInt8>] = []
        fields.reserveCapacity(5)
        var rest = line[...]
        while fields.count < 5 {
            rest = rest.drop { $0 == UInt8(ascii: " ") }
            let end = rest.firstIndex(of: UInt8(ascii: " ")) ?? rest.endIndex
            if end == rest.startIndex { break }
            fields.append(rest[rest.startIndex..<end])
            rest = rest[end...]
        }
        guard fields.count == 5, fields[1].count == 4 else { return nil }
        if executableOnly && fields[1][fields[1].startIndex + 2] != UInt8(ascii: "x") { return nil }
        guard let dash = fields[0].firstIndex(of: UInt8(ascii: "-")),
              let colon = fields[3].firstIndex(of: UInt8(ascii: ":")),
              let start = hex(fields[0][..<dash]), let end = hex(fields[0][(dash + 1)...]),
              let offset = hex(fields[2]),
              let major = hex(fields[3][..<colon]), let minor = hex(fields[3][(colon + 1)...]),
              let inode = UInt64(decimal: fields[4]) else { return nil }
        var path = String(decoding: rest.drop { $0 == UInt8(ascii: " ") }, as: UTF8.self)
        // Only a file can be deleted; a pseudo name never ends so.
        var deleted = false
        if inode != 0 && path.hasSuffix(" (deleted)") {
            path.removeLast(10)
            deleted = true
        }
        return MemoryRegion(start: start, end: end, permissions: String(decoding: fields[1], as: UTF8.self), offset: offset,
                            deviceMajor: UInt32(truncatingIfNeeded: major), deviceMinor: UInt32(truncatingIfNeeded: minor),
                            inode: inode, path: path, deleted: deleted)
    }

    /// Lower-case hex digits (at most 16) without allocating; nil when empty or not hex.
    static func hex(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: UInt64 = 0
        for b in digits {
            let v: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = b - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt64(v)
        }
        return value
    }

    /// Lower-case hex of `value`, zero-padded to `width` digits.
    public static func hex(_ value: UInt64, width: Int) -> String {
        let digits = String(value, radix: 16)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension ProcFS {
    /// The process's memory map. A process that exited throws a `SystemError` whose `isGone` is true.
    public static func memoryMap(_ pid: Int32) throws(SystemError) -> [MemoryRegion] {
        MemoryMap.parse(try FileSystem.read("\(root)/\(pid)/maps"))
    }
}
