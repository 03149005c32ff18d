import Foundation
import Glibc
import Testing
@testable import VigilProfile
import VigilTestSupport

@Suite("Kernel symbols and JIT maps", .ownThread)
struct KernelAndJITTests {
    @Test("A known kernel function is found at its kallsyms address and inside it")
    func kallsymsLookup() throws {
        let symbols = try KernelSymbols.read()
        if symbols.addressesHidden {
            // Not root: the reason must be said, and nothing may be named.
            #expect(symbols.hiddenReason?.contains("kptr_restrict") == true)
            #expect(symbols.lookup(0xffffffff81000000) == nil)
            if inCI { Issue.record("kallsyms addresses hidden in CI (tests run as root there)") }
            return
        }
        // Ground truth: the line grep finds; schedule and do_sys_openat2 exist on every kernel Vigil supports.
        for name in ["schedule", "do_sys_openat2"] {
            let line = try sh("grep -m1 ' [tT] \(name)$' /proc/kallsyms").split(separator: " ")
            let address = try #require(UInt64(line[0], radix: 16))
            #expect(symbols.lookup(address)?.name == name)
            #expect(symbols.lookup(address + 1)?.name == name)
            #expect(symbols.module(of: address) == nil)
        }
    }

    @Test("Keeping only the symbols of needed addresses names each of them as the whole table does")
    func filteredKallsyms() throws {
        let whole = try KernelSymbols.read()
        if whole.addressesHidden {
            if inCI { Issue.record("kallsyms addresses hidden in CI (tests run as root there)") }
            return
        }
        // Addresses spread over the kernel and its modules: symbol starts, their insides,
        // the byte before the next symbol, and a few that no text symbol covers.
        var needed: [UInt64] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let e = whole.symbols.entry(at: Int.random(in: 0..<whole.symbols.count, using: &generator))
            needed += [e.address, e.address + e.size / 2, e.address + max(e.size, 1) - 1]
        }
        needed += [0x1000, 0xffff_ffff_ffff_fff0]
        let filtered = try KernelSymbols.read(needed: needed)
        #expect(filtered.symbols.count < needed.count)
        #expect(filtered.symbols.count * 10 < whole.symbols.count)
        var differing: [String] = []
        for a in needed where filtered.lookup(a)?.name != whole.lookup(a)?.name {
            differing.append("\(String(a, radix: 16)): \(filtered.lookup(a)?.name ?? "nil") vs \(whole.lookup(a)?.name ?? "nil")")
        }
        #expect(differing.isEmpty, "\(differing.prefix(5))")
        // Aliases at one address keep the preferred name; out-of-order runs stay correct.
        let text = """
        ffffffff81000000 T _text
        ffffffff81001000 T __x64_sys_read
        ffffffff81001000 T sys_read
        ffffffff81002000 T schedule
        ffffffffc0002000 t ext4_write [ext4]
        ffffffffc0001000 t ext4_read [ext4]
        ffffffff81003000 T late
        """
        let small = KernelSymbols.parse(Array(text.utf8), needed: [0xffffffff81001010, 0xffffffffc0001004, 0xffffffff81003001])
        #expect(small.lookup(0xffffffff81001010)?.name == "sys_read")
        #expect(small.lookup(0xffffffffc0001004)?.name == "ext4_read")
        #expect(small.lookup(0xffffffff81003001)?.name == "late")
        #expect(small.symbols.first(named: "_text") == nil)
    }

    @Test("kallsyms with zeroed addresses (kptr_restrict) is reported, not misread")
    func hiddenAddresses() {
        let text = "0000000000000000 T _text\n0000000000000000 T schedule\n0000000000000000 t foo [mod]\n"
        let symbols = KernelSymbols.parse(Array(text.utf8))
        #expect(symbols.addressesHidden)
        #expect(symbols.hiddenReason != nil)
        #expect(symbols.lookup(0) == nil)
    }

    @Test("Module symbols name their module")
    func modules() {
        let text = """
        ffffffff81000000 T _text
        ffffffff81001000 T schedule
        ffffffffc0001000 t ext4_read [ext4]
        ffffffffc0002000 t ext4_write [ext4]
        ffffffffc0100000 t nf_hook [nf_tables]
        """
        let symbols = KernelSymbols.parse(Array(text.utf8))
        #expect(symbols.lookup(0xffffffffc0001010)?.name == "ext4_read")
        #expect(symbols.module(of: 0xffffffffc0002000) == "ext4")
        #expect(symbols.module(of: 0xffffffffc0100000) == "nf_tables")
        #expect(symbols.module(of: 0xffffffff81001004) == nil)
    }

    @Test("perf-PID.map: START SIZE name in hex, names with spaces, later lines win")
    func perfMapParse() {
        let text = """
        7f0000001000 40 LazyCompile:*foo /app/a.js:3
        0x7f0000001040 20 bar
        7f0000002000 10 old
        7f0000002000 10 new
        """
        let map = PerfMap.parse(Array(text.utf8))
        #expect(map.lookup(0x7f0000001000)?.name == "LazyCompile:*foo /app/a.js:3")
        #expect(map.lookup(0x7f000000103f)?.name == "LazyCompile:*foo /app/a.js:3")
        #expect(map.lookup(0x7f0000001050)?.name == "bar")
        #expect(map.lookup(0x7f0000001060) == nil)
        #expect(map.lookup(0x7f0000002004)?.name == "new")
    }

    @Test("A frame in anonymous executable memory is named from /tmp/perf-PID.map")
    func jitFrame() throws {
        // JIT-like code: an anonymous executable mapping in this very process.
        let size = 8192
        let code = try #require(mmap(nil, size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        defer { munmap(code, size) }
        let start = UInt64(UInt(bitPattern: code))
        let pid = getpid()
        let mapPath = PerfMap.path(pid: pid)
        try "\(String(start, radix: 16)) 100 jitted_function\n\(String(start + 0x100, radix: 16)) 100 Interpreter::run()\n"
            .write(toFile: mapPath, atomically: true, encoding: .utf8)
        defer { unlink(mapPath) }

        let builder = ProfileBuilder(frequency: 100, debugFiles: DebugFileLocator(roots: []))
        builder.add(RawSample(pid: pid, tid: pid, comm: "test", userStack: [start + 0x10, start + 0x180]))
        let symbolized = Symbolizer(kernelSymbols: nil).symbolize(builder.finish())
        let names = symbolized.profile.traces[0].map { symbolized.names[Int($0)] }
        #expect(names.map(\.function) == ["jitted_function", "Interpreter::run()"])
        #expect(names.allSatisfy { $0.file == "[jit]" })
    }
}
