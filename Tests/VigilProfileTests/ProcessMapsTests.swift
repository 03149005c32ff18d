import Foundation
import Glibc
import Testing
@testable import VigilProfile
import VigilTestSupport

@Suite("Process mappings", .ownThread)
struct ProcessMapsTests {
    @Test("Executable lines are kept, with spaces in paths and deleted files")
    func parseLines() {
        let text = """
        55d0c0a00000-55d0c0a28000 r--p 00000000 fd:01 1048602                    /usr/bin/cat
        55d0c0a28000-55d0c0a6d000 r-xp 00028000 fd:01 1048602                    /usr/bin/cat
        7f1e2c000000-7f1e2c021000 rw-p 00000000 00:00 0
        7f1e2d000000-7f1e2d010000 r-xp 00000000 00:00 0
        7f1e2e000000-7f1e2e004000 r-xp 00002000 08:02 77 /opt/my app/lib x.so (deleted)
        7ffd1b3f2000-7ffd1b3f4000 r-xp 00000000 00:00 0                          [vdso]
        """
        let maps = ProcessMaps.parse(Array(text.utf8))
        #expect(maps.count == 4)
        #expect(maps[0] == ExecutableMapping(start: 0x55d0c0a28000, end: 0x55d0c0a6d000, fileOffset: 0x28000,
                                             device: 0xfd << 20 | 1, inode: 1048602, path: "/usr/bin/cat"))
        #expect(maps[1].isAnonymous && !maps[1].isFile)
        #expect(maps[2].path == "/opt/my app/lib x.so" && maps[2].deleted && maps[2].isFile)
        #expect(maps[3].path == "[vdso]" && !maps[3].isAnonymous && !maps[3].isFile)
        #expect(ProcessMaps.find(0x55d0c0a28010, in: maps)?.path == "/usr/bin/cat")
        #expect(ProcessMaps.find(0x55d0c0a00010, in: maps) == nil, "not executable")
        #expect(maps[0].fileOffset(of: 0x55d0c0a28010) == 0x28010)
    }

    @Test("This process's libc mapping holds the address of strlen")
    func ownProcess() throws {
        let maps = try ProcessMaps.read(pid: getpid())
        let strlenAddress = UInt64(UInt(bitPattern: dlsym(nil, "strlen")))
        let mapping = try #require(ProcessMaps.find(strlenAddress, in: maps))
        #expect(mapping.path.contains("libc.so"))
        // Ground truth: the line of our maps as cat prints it.
        let text = try run(["cat", "/proc/\(getpid())/maps"])
        let line = text.split(separator: "\n").first { $0.hasPrefix(String(mapping.start, radix: 16) + "-") }
        #expect(line?.hasSuffix(mapping.path) == true)
    }

    @Test("A process that is gone is a SystemError with isGone, not a crash")
    func goneProcess() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        do {
            _ = try ProcessMaps.read(pid: p.processIdentifier)
            Issue.record("read maps of a reaped process")
        } catch {
            #expect(error.isGone)
        }
    }
}

@Suite("vDSO", .ownThread)
struct VDSOTests {
    @Test("A frame in the vDSO is named from the kernel's image, as the vDSO's own symbols say")
    func vdsoFrame() throws {
        let (vdso, _) = try #require(Executable.vdso())
        #expect(vdso.path == "[vdso]")
        // Ground truth: dlsym resolves clock_gettime's vDSO version only through the
        // vDSO's own dynamic symbols, so compare with the symbol table by name.
        let symbol = try #require(vdso.symbols.first(named: "__vdso_clock_gettime"))
        #expect(vdso.symbols.lookup(symbol.address + 1)?.name == "__vdso_clock_gettime")
        // A sample in this process's vDSO resolves to it.
        let maps = try ProcessMaps.read(pid: getpid())
        let mapping = try #require(maps.first { $0.path == "[vdso]" })
        let segment = try #require(vdso.segments.first { $0.executable })
        let runtime = mapping.start + (symbol.address - segment.virtualAddress + segment.fileOffset) - mapping.fileOffset
        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        builder.add(RawSample(pid: getpid(), tid: getpid(), comm: "t", userStack: [runtime + 2]))
        let s = Symbolizer(kernelSymbols: nil).symbolize(builder.finish())
        #expect(s.names.map(\.function) == ["__vdso_clock_gettime"])
        #expect(s.names.map(\.file) == ["[vdso]"])
    }
}
