import VigilSystem

/// One executable region of a process, from a /proc/PID/maps line
/// ("start-end perms offset major:minor inode path").
public struct ExecutableMapping: Sendable, Equatable {
    public let start: UInt64
    /// One past the last byte.
    public let end: UInt64
    /// Offset in the file of the byte mapped at `start`.
    public let fileOffset: UInt64
    public let device: UInt64
    public let inode: UInt64
    /// The file, a pseudo name ("[vdso]"), or empty for anonymous memory (JIT code).
    /// A file deleted after it was mapped keeps its name, without the " (deleted)" mark.
    public let path: String
    public let deleted: Bool

    public init(start: UInt64, end: UInt64, fileOffset: UInt64, device: UInt64 = 0, inode: UInt64, path: String, deleted: Bool = false) {
        self.start = start
        self.end = end
        self.fileOffset = fileOffset
        self.device = device
        self.inode = inode
        self.path = path
        self.deleted = deleted
    }

    /// The executable region of a /proc/PID/maps line (VigilSystem's one parser of it).
    public init(region r: MemoryRegion) {
        self.init(start: r.start, end: r.end, fileOffset: r.offset, device: UInt64(r.deviceMajor) << 20 | UInt64(r.deviceMinor),
                  inode: r.inode, path: r.path, deleted: r.deleted)
    }

    /// Backed by a regular file (inode set), as opposed to anonymous or pseudo memory.
    public var isFile: Bool { inode != 0 && path.hasPrefix("/") }
    /// Anonymous executable memory: where JIT compilers put code.
    public var isAnonymous: Bool { inode == 0 && (path.isEmpty || path.hasPrefix("[anon")) }

    public func contains(_ address: UInt64) -> Bool { address >= start && address < end }

    /// The file offset of an address in this mapping.
    public func fileOffset(of address: UInt64) -> UInt64 { address - start + fileOffset }
}

public enum ProcessMaps {
    /// The executable mappings of a process, sorted by start address.
    /// A process that exited throws a `SystemError` whose `isGone` is true.
    public static func read(pid: Int32) throws(SystemError) -> [ExecutableMapping] {
        parse(try ProcFileReader.read("/proc/\(pid)/maps"))
    }

    public static func parse(_ bytes: [UInt8]) -> [ExecutableMapping] {
        MemoryMap.parse(bytes, executableOnly: true).map(ExecutableMapping.init(region:)).sorted { $0.start < $1.start }
    }

    /// The mapping that holds `address` in a list sorted by start.
    public static func find(_ address: UInt64, in mappings: [ExecutableMapping]) -> ExecutableMapping? {
        index(of: address, in: mappings).map { mappings[$0] }
    }

    /// Where the mapping that holds `address` is in a list sorted by start (binary search).
    public static func index(of address: UInt64, in mappings: [ExecutableMapping]) -> Int? {
        var lo = 0, hi = mappings.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if mappings[mid].start <= address { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 && mappings[lo - 1].contains(address) ? lo - 1 : nil
    }
}
