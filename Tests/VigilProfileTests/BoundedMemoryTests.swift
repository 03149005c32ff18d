import Glibc
import Testing
@testable import VigilProfile
import VigilTestSupport

/// The profiler's per-binary tables are caches bounded in bytes: what is evicted is
/// read again when needed, and gives the same answers.
@Suite("Bounded tables", .ownThread)
struct BoundedMemoryTests {
    /// Distinct executable files this process maps (libc, the Swift runtime, the test binary...).
    static func mappedFiles() throws -> [ExecutableMapping] {
        var seen = Set<UInt64>()
        return try ProcessMaps.read(pid: getpid()).filter { $0.isFile && seen.insert($0.inode).inserted }
    }

    @Test("Unwind tables past the limit are evicted, least recently used first, and read again the same")
    func unwindTablesEvicted() throws {
        let files = Array(try Self.mappedFiles().prefix(6))
        try #require(files.count >= 3, "this test process maps at least libc, libm and itself")
        let unbounded = DwarfUnwinder()
        // Rules at addresses spread over each file's code, from a cache that keeps everything.
        func rules(_ info: FileUnwindInfo, _ m: ExecutableMapping) -> [UnwindRule?] {
            stride(from: m.start, to: m.end, by: Int(max(1, (m.end - m.start) / 997))).map { a in
                info.virtualAddress(ofFileOffset: m.fileOffset(of: a)).flatMap { info.table.rule(at: $0) }
            }
        }
        var expected: [[UnwindRule?]] = []
        for m in files { expected.append(try #require(unbounded.info(for: m, pid: getpid())).map { rules($0, m) } ?? []) }
        #expect(unbounded.filesEvicted == 0)

        // A limit of one byte keeps only the table just loaded.
        let bounded = DwarfUnwinder(cacheLimitBytes: 1)
        for (m, want) in zip(files, expected) { #expect(bounded.info(for: m, pid: getpid()).map { rules($0, m) } == want) }
        #expect(bounded.filesEvicted >= files.count - 1 - files.count / 2, "files without CFI are not counted")
        let loadedBefore = bounded.filesLoaded
        // The first file again: read again, same rules.
        #expect(bounded.info(for: files[0], pid: getpid()).map { rules($0, files[0]) } == expected[0])
        #expect(bounded.filesLoaded == loadedBefore + 1)

        // Each cached table keeps its file open: the number of files is bounded too.
        let few = DwarfUnwinder(cacheLimitFiles: 2)
        for m in files { _ = few.info(for: m, pid: getpid()) }
        #expect(few.cachedFiles <= 2)
        #expect(few.filesEvicted > 0)
    }

    @Test("Symbol tables past the limit are evicted and read again: every frame is still named by the name dlsym found")
    func symbolTablesEvicted() throws {
        // Functions in three files: libc, the Swift runtime and libdispatch (none an IFUNC,
        // so dlsym's address is the function's own).
        let names = ["malloc", "free", "qsort", "swift_retain", "swift_release", "dispatch_async"]
        let addresses = names.compactMap { name -> (String, UInt64)? in
            dlsym(nil, name).map { (name, UInt64(UInt(bitPattern: $0)) + 1) }
        }
        try #require(addresses.count >= 5)
        let me = getpid()
        func profile(limit: Int) -> (SymbolizedProfile, Int) {
            let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []), symbolCacheLimitBytes: limit)
            // Each sample one function: files take turns, so a small cache loads and evicts over and over.
            for round in 0..<3 {
                for (_, address) in addresses {
                    builder.add(RawSample(pid: me, tid: me, comm: "t", userStack: [address + UInt64(round)]))
                }
            }
            return (Symbolizer(kernelSymbols: nil).symbolize(builder.finish()), builder.symbolTablesEvicted)
        }
        let (small, evicted) = profile(limit: 1)
        let (large, none) = profile(limit: 64 << 20)
        #expect(evicted > 0)
        #expect(none == 0)
        func named(_ p: SymbolizedProfile) -> [String: String] {
            var out: [String: String] = [:]
            for (i, frame) in p.profile.frames.enumerated() where frame.kind == .native && p.names[i].symbolized {
                out[String(frame.address, radix: 16) + "@" + frame.file.description] = p.names[i].systemName
            }
            return out
        }
        #expect(named(small) == named(large))
        // Ground truth: the names dlsym found them by.
        let found = Set(named(small).values)
        for (name, _) in addresses where !found.contains(name) {
            Issue.record("\(name) not named; named: \(found.sorted())")
        }
    }

    @Test("Continuous intervals each name their frames, though the functions found are forgotten between them")
    func intervalsNameAgain() throws {
        let me = getpid()
        let address = UInt64(UInt(bitPattern: try #require(dlsym(nil, "qsort")))) + 1
        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        let symbolizer = Symbolizer(kernelSymbols: nil)
        for interval in 0..<3 {
            builder.add(RawSample(pid: me, tid: me, comm: "t", userStack: [address]))
            let named = symbolizer.symbolize(builder.rotate())
            #expect(named.names.map(\.systemName) == ["qsort"], "interval \(interval)")
            let exe = try #require(named.profile.executables.values.first)
            #expect(exe.symbols.count == 1, "only the function the frame is in")
        }
    }

    @Test("Names left in the file read back as the copied ones, for a fraction of the memory")
    func externalNames() throws {
        // The Swift runtime: tens of thousands of long mangled names.
        let address = UInt64(UInt(bitPattern: try #require(dlsym(nil, "swift_retain"))))
        let mapping = try #require(ProcessMaps.find(address, in: try ProcessMaps.read(pid: getpid())))
        let file = try ELFFile(path: mapping.path)
        let copied = file.functionSymbolTable()
        let external = file.functionSymbolTable(externalNames: true)
        #expect(copied.count == external.count)
        #expect(copied.count > 1000)
        var differing = 0
        for i in stride(from: 0, to: copied.count, by: max(1, copied.count / 2000)) where copied.entry(at: i) != external.entry(at: i) {
            differing += 1
        }
        #expect(differing == 0)
        #expect(external.byteCount * 2 < copied.byteCount, "copied \(copied.byteCount) B, external \(external.byteCount) B")
    }

    @Test("FDEs taken in .eh_frame_hdr's address order give the table the section's own order gives")
    func headerOrder() throws {
        for name in ["swift_retain", "malloc"] {  // the Swift runtime and libc
            let address = UInt64(UInt(bitPattern: try #require(dlsym(nil, name))))
            let mapping = try #require(ProcessMaps.find(address, in: try ProcessMaps.read(pid: getpid())))
            let elf = try ELFFile(path: mapping.path)
            let eh = try #require(elf.section(named: ".eh_frame"))
            let header = try #require(elf.section(named: ".eh_frame_hdr"))
            var walked = UnwindTable.Builder(), ordered = UnwindTable.Builder()
            let inOrder = elf.withContents(of: eh.section) { frames in
                CallFrameInfo.rows(section: frames, address: eh.header.sh_addr, into: &walked)
                return elf.withContents(of: header.section) {
                    CallFrameInfo.rowsInAddressOrder(section: frames, address: eh.header.sh_addr, header: $0,
                                                     headerAddress: header.header.sh_addr, into: &ordered)
                }
            }
            #expect(inOrder)
            #expect(!ordered.unsorted, "rows in address order are written as they come")
            let a = UnwindTable(walked), b = UnwindTable(ordered)
            #expect(a.count == b.count)
            let text = try #require(elf.loadSegments().first { $0.executable })
            var differing = 0
            for probe in stride(from: text.virtualAddress, to: text.virtualAddress + text.memorySize, by: 7) where a.rule(at: probe) != b.rule(at: probe) {
                differing += 1
            }
            #expect(differing == 0, "\(mapping.path)")
        }
    }

    @Test("An unwind table from unsorted, overlapping rows answers as the rows say")
    func compactTable() {
        func rule(_ offset: Int32) -> UnwindRule {
            UnwindRule(cfaBase: .sp, cfaOffset: offset, bpOffset: offset > 16 ? -16 : nil, outermost: false, returnAddressOffset: -8)
        }
        // Functions at 0x1000.., each with rows at growing CFA offsets; some gaps; FDEs shuffled.
        var rows: [(start: UInt64, end: UInt64, rule: UnwindRule)] = []
        var address: UInt64 = 0x40_1000
        for f in 0..<500 {
            let parts = 1 + f % 4
            for p in 0..<parts {
                rows.append((address, address + 16, rule(Int32(8 + 8 * p))))
                address += 16
            }
            if f % 7 == 0 { address += 32 }  // a gap without information
        }
        var generator = SystemRandomNumberGenerator()
        // In order (written as they come), shuffled (sorted at the end), and in order
        // for a while before one goes out of order (what was written is merged back).
        let half = rows.count / 2
        let orders = [rows, rows.shuffled(using: &generator), Array(rows[..<half]) + rows[half...].shuffled(using: &generator)]
        var table = UnwindTable()
        for order in orders {
            var builder = UnwindTable.Builder()
            for r in order { builder.add(start: r.start, end: r.end, rule: r.rule) }
            table = UnwindTable(builder)
            var wrong = 0
            for probe in stride(from: UInt64(0x40_0ff0), to: address + 32, by: 4) {
                let want = rows.first { probe >= $0.start && probe < $0.end }?.rule
                if table.rule(at: probe) != want { wrong += 1 }
            }
            #expect(wrong == 0)
        }
        // Six bytes per change of rule, the distinct rules once.
        #expect(table.byteCount <= table.count * 6 + 8 * MemoryLayout<UnwindRule>.stride)
    }
}
