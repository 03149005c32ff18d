import Glibc
import VigilSystem

/// Turns (pid, user address) into a frame: which file, which ELF address. Finds
/// the mappings of the program the process ran when sampled (`ProcessImages`) and
/// keeps each file's `Executable`, loaded once per file ID however many processes
/// map it.
///
/// Each new frame's function is looked up at once, while its process still runs,
/// and only the functions found are kept for naming the profile later. The whole
/// symbol tables are a cache bounded in bytes: a compiler's table alone holds tens
/// of megabytes of names, and an evicted one is read again if its binary runs again.
final class AddressResolver {
    private struct NativeAddress: Hashable {
        let file: FileID
        let address: UInt64
    }

    private struct InodeKey: Hashable {
        let device: UInt64
        let inode: UInt64
        let path: String
    }

    let debugFiles: DebugFileLocator
    private(set) var executables: [FileID: Executable] = [:]
    /// Processes' mappings, shared with the unwinder when a consumer owns both.
    let images: ProcessImages
    private var byInode: [InodeKey: FileID] = [:]
    private(set) var unreadableFiles: UInt64 = 0
    /// Whole function tables, bounded in bytes and in files (a table whose names stay
    /// in its file keeps the file open).
    private let symbolCache: BoundedCache<FileID, SymbolTable>
    /// The functions frames were found in, per file: what a profile's names come from.
    private var usedFunctions: [FileID: [UInt64: SymbolTable.Entry]] = [:]
    /// Frame addresses already looked up (cleared when large; a repeat look-up is cheap).
    private var looked: Set<NativeAddress> = []
    /// The addresses it is given come from unwinds, so a miss usually means new code
    /// (the dynamic loader mapping libraries just after exec, dlopen): read again
    /// soon, and at once for a sample taken after the last read (`MapsRefresh`).
    private let refreshInterval: Int64 = 50_000_000
    /// Our own vDSO, the same image as every other process's of our architecture
    /// (a 32-bit process's differs in size and is left unnamed).
    private lazy var ownVDSO: (executable: Executable, size: UInt64)? = Executable.vdso()

    init(debugFiles: DebugFileLocator, images: ProcessImages = ProcessImages(), symbolCacheLimitBytes: Int = 48 << 20) {
        self.debugFiles = debugFiles
        self.images = images
        symbolCache = BoundedCache(limitBytes: symbolCacheLimitBytes, limitEntries: 256) { $0.byteCount }
    }

    /// The executable with the functions its frames were found in as its symbols.
    func executable(_ id: FileID) -> Executable? {
        guard var exe = executables[id] else { return nil }
        if let used = usedFunctions[id] { exe.symbols = SymbolTable(entries: used.values) }
        return exe
    }

    /// Forget which functions frames were found in (each continuous interval starts
    /// afresh, so a daemon does not accumulate every function it ever saw).
    func forgetFunctions() {
        usedFunctions.removeAll()
        looked.removeAll()
    }

    /// Whole symbol tables dropped from the cache so far.
    var symbolTablesEvicted: Int { symbolCache.evicted }

    enum Resolution {
        case frame(Frame)
        case unreadable(ProcessImages.Unreadable)
    }

    /// `takenAt`: when the address was sampled (CLOCK_BOOTTIME nanoseconds), and
    /// `image`: the program the process ran then, if known.
    func resolve(pid: Int32, address: UInt64, takenAt: Int64? = nil, image: ProgramImage? = nil) -> Resolution {
        let now = Clock.boottimeNanoseconds()
        let copy: ProcessImages.Copy
        switch images.copy(pid: pid, image: image, now: now) {
        case .copy(let c): copy = c
        case .unreadable(let reason): return .unreadable(reason)
        }
        var index = copy.find(address)
        // Not found: a library loaded since the last read (dlopen), a process that
        // was gone and whose pid is in use again, or an address from a bad unwind.
        if index == nil {
            switch images.refresh(copy, takenAt: takenAt, now: now, interval: refreshInterval) {
            case .updated: index = copy.find(address)
            case .exited:
                // Read before the sample (say, as the loader began mapping libraries),
                // and the process gone since: what it mapped later was never read.
                if let takenAt, copy.readAt < takenAt { return .unreadable(.gone) }
            case .unchanged: break
            }
        }
        let pidID = FileID(high: 0, low: UInt64(UInt32(bitPattern: pid)))
        guard let i = index else { return .frame(Frame(kind: .unmapped, file: pidID, address: address)) }
        let m = copy.mappings[i]
        if m.isAnonymous { return .frame(Frame(kind: .jit, file: pidID, address: address)) }
        let fileID: FileID
        if let known = copy.fileIDs[i] {
            fileID = known
        } else {
            fileID = executable(for: m, pid: copy.pid)
            copy.fileIDs[i] = fileID
        }
        let offset = m.fileOffset(of: address)
        let vaddr = executables[fileID]?.virtualAddress(ofFileOffset: offset) ?? offset
        if looked.insert(NativeAddress(file: fileID, address: vaddr)).inserted {
            if looked.count > 1 << 18 { looked.removeAll(keepingCapacity: true) }
            if let function = symbols(of: fileID, mapping: m, pid: copy.pid)?.lookup(vaddr) {
                usedFunctions[fileID, default: [:]][function.address] = function
            }
        }
        return .frame(Frame(kind: .native, file: fileID, address: vaddr))
    }

    /// Drop processes that no longer exist (a long capture sees many come and go).
    func forgetExited() { images.forgetExited() }

    /// The file ID of a mapped file, loading the file the first time it is seen.
    private func executable(for m: ExecutableMapping, pid: Int32) -> FileID {
        let key = InodeKey(device: m.device, inode: m.inode, path: m.path)
        if let id = byInode[key] { return id }
        let id = load(m, pid: pid)
        byInode[key] = id
        return id
    }

    private func load(_ m: ExecutableMapping, pid: Int32) -> FileID {
        if m.path == "[vdso]", let vdso = ownVDSO, vdso.size == m.end - m.start {
            executables[vdso.executable.fileID] = vdso.executable
            return vdso.executable.fileID
        }
        guard m.isFile else { return placeholder(m.path) }
        for path in Self.openPaths(m, pid: pid) {
            guard let file = try? ELFFile(path: path),
                  path != m.path || DeviceNumber.isFile(file.descriptor, device: m.device, inode: m.inode),
                  let id = try? FileID.ofFile(descriptor: file.descriptor, size: file.size, path: path) else { continue }
            if executables[id] == nil {
                var exe = Executable.load(file, fileID: id, path: m.path, debugFiles: debugFiles, externalNames: true)
                symbolCache.insert(exe.symbols, for: id)
                exe.symbols = SymbolTable()
                executables[id] = exe
            }
            return id
        }
        unreadableFiles += 1
        return placeholder(m.path)
    }

    /// Through the process's root, so a container's files are the ones read; the
    /// map_files link also reaches a file deleted since it was mapped. Last, for a
    /// process gone since (its mappings sent as it exited), the path itself, taken
    /// only if it is still the same device and inode.
    private static func openPaths(_ m: ExecutableMapping, pid: Int32) -> [String] {
        ["/proc/\(pid)/root\(m.path)", "/proc/\(pid)/map_files/\(String(m.start, radix: 16))-\(String(m.end, radix: 16))", m.path]
    }

    /// The whole function table of a file: cached, or read again (and checked to be the
    /// same file) when it was evicted.
    private func symbols(of id: FileID, mapping m: ExecutableMapping, pid: Int32) -> SymbolTable? {
        if let cached = symbolCache[id] { return cached }
        if m.path == "[vdso]" { return ownVDSO?.executable.symbols }
        guard m.isFile, let exe = executables[id], exe.segments.count > 0 else { return nil }
        for path in Self.openPaths(m, pid: pid) {
            guard let file = try? ELFFile(path: path),
                  (try? FileID.ofFile(descriptor: file.descriptor, size: file.size, path: path)) == id else { continue }
            let table = Executable.loadSymbols(file, buildID: exe.buildID, debugFiles: debugFiles, externalNames: true).0
            symbolCache.insert(table, for: id)
            return table
        }
        return nil
    }

    /// A stable stand-in ID for a file that cannot be read, with an empty symbol table.
    private func placeholder(_ path: String) -> FileID {
        var h = FNV128a()
        h.update("unreadable:\(path)".utf8)
        let id = FileID(bytes: h.digest)
        if executables[id] == nil {
            executables[id] = Executable(fileID: id, path: path, buildID: nil, segments: [], symbols: SymbolTable(), debugFile: nil)
        }
        return id
    }
}
