import Glibc
import VigilSystem

/// Turns (pid, user address) into a frame: which file, which ELF address. Keeps
/// each process's executable mappings (re-read when an address falls outside
/// them, at most once a second) and each file's `Executable`, loaded once per
/// file ID however many processes map it.
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

    private struct ProcessEntry {
        var mappings: [ExecutableMapping] = []
        /// File ID of each mapping, filled on first use.
        var files: [FileID?] = []
        var readAt: Int64 = 0
        var usedAt: Int64 = 0
        /// Set when the maps could not be read and no earlier read is known.
        var unreadable: Unreadable?
    }

    private struct InodeKey: Hashable {
        let device: UInt64
        let inode: UInt64
        let path: String
    }

    let debugFiles: DebugFileLocator
    private(set) var executables: [FileID: Executable] = [:]
    private var processes: [Int32: ProcessEntry] = [:]
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
    /// soon, but not for every sample.
    private let refreshInterval: Int64 = 50_000_000
    /// Processes whose mappings are kept; beyond that the least recently sampled
    /// half is dropped, so a capture over thousands of short-lived processes (a
    /// build) stays small. A dropped process still sampled is simply read again.
    private let maxProcesses: Int
    /// Our own vDSO, the same image as every other process's of our architecture
    /// (a 32-bit process's differs in size and is left unnamed).
    private lazy var ownVDSO: (executable: Executable, size: UInt64)? = Executable.vdso()

    init(debugFiles: DebugFileLocator, maxProcesses: Int = 1024, symbolCacheLimitBytes: Int = 48 << 20) {
        self.debugFiles = debugFiles
        self.maxProcesses = maxProcesses
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

    enum Unreadable {
        /// The process exited before its mappings could be read.
        case gone
        /// /proc/PID/maps is not ours to read (not root, another user's process).
        case denied
    }

    enum Resolution {
        case frame(Frame)
        case unreadable(Unreadable)
    }

    func resolve(pid: Int32, address: UInt64) -> Resolution {
        let now = Clock.monotonicNanoseconds()
        if processes[pid] == nil {
            if processes.count >= maxProcesses { evict() }
            processes[pid] = ProcessEntry()
            refresh(pid: pid, now: now)
        }
        processes[pid]!.usedAt = now
        var index = mappingIndex(address, in: processes[pid]!.mappings)
        // Not found: a library loaded since the last read (dlopen), a process that
        // was gone and whose pid is in use again, or an address from a bad unwind.
        if index == nil, now - processes[pid]!.readAt >= refreshInterval {
            refresh(pid: pid, now: now)
            index = mappingIndex(address, in: processes[pid]!.mappings)
        }
        if let reason = processes[pid]!.unreadable { return .unreadable(reason) }
        let pidID = FileID(high: 0, low: UInt64(UInt32(bitPattern: pid)))
        guard let i = index else { return .frame(Frame(kind: .unmapped, file: pidID, address: address)) }
        let m = processes[pid]!.mappings[i]
        if m.isAnonymous { return .frame(Frame(kind: .jit, file: pidID, address: address)) }
        let fileID: FileID
        if let known = processes[pid]!.files[i] {
            fileID = known
        } else {
            fileID = executable(for: m, pid: pid)
            processes[pid]!.files[i] = fileID
        }
        let offset = m.fileOffset(of: address)
        let vaddr = executables[fileID]?.virtualAddress(ofFileOffset: offset) ?? offset
        if looked.insert(NativeAddress(file: fileID, address: vaddr)).inserted {
            if looked.count > 1 << 18 { looked.removeAll(keepingCapacity: true) }
            if let function = symbols(of: fileID, mapping: m, pid: pid)?.lookup(vaddr) {
                usedFunctions[fileID, default: [:]][function.address] = function
            }
        }
        return .frame(Frame(kind: .native, file: fileID, address: vaddr))
    }

    /// Drop what is known of a process (it exited, or exec'd a new image).
    func forget(pid: Int32) { processes[pid] = nil }

    /// Drop processes that no longer exist (a long capture sees many come and go).
    func forgetExited() {
        for pid in processes.keys where ProcessLiveness.isGone(pid) { processes[pid] = nil }
    }

    private func refresh(pid: Int32, now: Int64) {
        processes[pid]!.readAt = now
        do {
            let fresh = try ProcessMaps.read(pid: pid)
            let old = processes[pid]!
            // Keep the file IDs of mappings that did not change.
            var known: [UInt64: (ExecutableMapping, FileID?)] = [:]
            for (m, f) in zip(old.mappings, old.files) { known[m.start] = (m, f) }
            processes[pid]!.files = fresh.map { m in known[m.start].flatMap { $0.0 == m ? $0.1 : nil } }
            processes[pid]!.mappings = fresh
            processes[pid]!.unreadable = nil
        } catch {
            // A process seen before keeps its last mappings, which still name the
            // samples it left in the ring buffer after it exited.
            if processes[pid]!.mappings.isEmpty { processes[pid]!.unreadable = error.isPermissionDenied ? .denied : .gone }
        }
    }

    private func evict() {
        let byAge = processes.sorted { $0.value.usedAt < $1.value.usedAt }
        for (pid, _) in byAge.prefix(processes.count / 2) { processes[pid] = nil }
    }

    private func mappingIndex(_ address: UInt64, in mappings: [ExecutableMapping]) -> Int? {
        var lo = 0, hi = mappings.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if mappings[mid].start <= address { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 && mappings[lo - 1].contains(address) ? lo - 1 : nil
    }

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
    /// map_files link also reaches a file deleted since it was mapped.
    private static func openPaths(_ m: ExecutableMapping, pid: Int32) -> [String] {
        ["/proc/\(pid)/root\(m.path)", "/proc/\(pid)/map_files/\(String(m.start, radix: 16))-\(String(m.end, radix: 16))"]
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
