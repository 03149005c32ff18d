import Glibc
import Testing
@testable import VigilProfile

/// The profiler's per-binary tables are caches bounded in bytes: what is evicted is
/// read again when needed, and gives the same answers.
@Suite("Bounded tables")
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
            return (Symbolizer(kernelSymbols: nil).symbolize(builder.finish()), builder.symbolCache.evicted)
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
        let shuffled = rows.shuffled(using: &generator)
        var builder = UnwindTable.Builder()
        for r in shuffled { builder.add(start: r.start, end: r.end, rule: r.rule) }
        let table = UnwindTable(builder)
        var wrong = 0
        for probe in stride(from: UInt64(0x40_0ff0), to: address + 32, by: 4) {
            let want = rows.first { probe >= $0.start && probe < $0.end }?.rule
            if table.rule(at: probe) != want { wrong += 1 }
        }
        #expect(wrong == 0)
        // Six bytes per change of rule, the distinct rules once.
        #expect(table.byteCount <= table.count * 6 + 8 * MemoryLayout<UnwindRule>.stride)
    }
}
