/// One mapping from /proc/PID/maps: "start-end perms offset dev inode [path]".
public struct MemoryRegion: Sendable, Equatable {
    public let start: String
    public let end: String
    public let permissions: String
    public let offset: Int64
    public let device: String
    public let inode: Int64
    /// Mapped file, a pseudo name like "[heap]", or empty for anonymous memory.
    public let path: String

    /// Named but not backed by a file ([heap], [stack], [vdso]...).
    public var isPseudo: Bool { inode == 0 && !path.isEmpty }
}

extension ProcFS {
    /// The process's memory map. Addresses stay hex text, prefixed "0x".
    public static func memoryMap(_ pid: Int32) throws(SystemError) -> [MemoryRegion] {
        parseMemoryMap(try FileSystem.readText("\(root)/\(pid)/maps"))
    }

    public static func parseMemoryMap(_ text: String) -> [MemoryRegion] {
        var out: [MemoryRegion] = []
        for line in FileSystem.lines(text) {
            // The path may contain spaces: split off the first five fields only.
            let f = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard f.count >= 5 else { continue }
            let range = f[0].split(separator: "-")
            guard range.count == 2 else { continue }
            out.append(MemoryRegion(
                start: "0x" + range[0], end: "0x" + range[1], permissions: String(f[1]),
                offset: Int64(f[2], radix: 16) ?? 0, device: String(f[3]), inode: Int64(f[4]) ?? 0,
                path: f.count == 6 ? f[5].trimmingCharacters() : ""))
        }
        return out
    }
}
