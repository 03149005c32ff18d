import Foundation
import Testing
@testable import VigilProfile
import VigilTestSupport

@Suite("ELF symbols", .ownThread)
struct ELFSymbolTests {
    @Test("Every function nm lists is found at its first and last byte")
    func matchesNm() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = try Workload.compile(in: dir)
        let exe = try Executable.load(openPath: binary, path: binary, debugFiles: DebugFileLocator(roots: []))
        let expected = try nmFunctions(binary).filter { $0.size > 0 }
        #expect(expected.contains { $0.name == "middle_a" } && expected.contains { $0.name == "other_c" })
        for f in expected {
            #expect(exe.symbols.lookup(f.address)?.name == f.name, "start of \(f.name)")
            #expect(exe.symbols.lookup(f.address + f.size - 1)?.name == f.name, "end of \(f.name)")
        }
        #expect(exe.buildIDText == (try readelfBuildID(binary)))
        #expect(exe.debugFile == nil)
    }

    @Test("libc's .dynsym: malloc is found, and named malloc rather than its alias __libc_malloc")
    func libcDynsym() throws {
        let libc = try sh("ldd /bin/ls | awk '/libc.so/ {print $3}'").trimmingCharacters(in: .whitespacesAndNewlines)
        let exe = try Executable.load(openPath: libc, path: libc, debugFiles: DebugFileLocator(roots: []))
        // nm -D prints versioned names ("malloc@@GLIBC_2.2.5"); every name at malloc's address is an alias.
        let nm = try run(["nm", "-D", "-S", "--defined-only", libc]).split(separator: "\n").map { $0.split(separator: " ") }
        let line = try #require(nm.first { $0.count == 4 && $0[3].hasPrefix("malloc@") })
        let address = try #require(UInt64(line[0], radix: 16)), size = try #require(UInt64(line[1], radix: 16))
        let aliases = nm.filter { $0.count == 4 && $0[0] == line[0] }.map { String($0[3].split(separator: "@")[0]) }
        #expect(aliases.contains("malloc"))
        #expect(exe.symbols.lookup(address)?.name == "malloc")
        #expect(exe.symbols.lookup(address + size - 1)?.name == "malloc")
    }

    @Test("A stripped binary gets its symbols from a debug file found by build ID")
    func debugFileByBuildID() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = try Workload.compile(in: dir)
        let buildID = try #require(try readelfBuildID(binary))
        let root = "\(dir)/debug"
        let debugDir = "\(root)/.build-id/\(buildID.prefix(2))"
        try FileManager.default.createDirectory(atPath: debugDir, withIntermediateDirectories: true)
        let debugFile = "\(debugDir)/\(buildID.dropFirst(2)).debug"
        try run(["objcopy", "--only-keep-debug", binary, debugFile])
        try run(["objcopy", "--strip-all", binary, "\(dir)/stripped"])
        #expect(try nmFunctions("\(dir)/stripped").isEmpty, "the stripped copy has no .symtab")

        let bare = try Executable.load(openPath: "\(dir)/stripped", path: "stripped", debugFiles: DebugFileLocator(roots: []))
        #expect(bare.symbols.first(named: "middle_a") == nil)

        let exe = try Executable.load(openPath: "\(dir)/stripped", path: "stripped", debugFiles: DebugFileLocator(roots: [root]))
        #expect(exe.debugFile == debugFile)
        for f in try nmFunctions(binary) where ["middle_a", "leaf_b", "other_c", "main"].contains(f.name) {
            #expect(exe.symbols.lookup(f.address + f.size / 2)?.name == f.name)
        }
    }

    @Test("A stripped binary gets its symbols from a .gnu_debuglink file in .debug/")
    func debugFileByDebugLink() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = try Workload.compile(in: dir)
        try FileManager.default.createDirectory(atPath: "\(dir)/bin/.debug", withIntermediateDirectories: true)
        try run(["objcopy", "--only-keep-debug", binary, "\(dir)/bin/.debug/workload.debug"])
        // --add-gnu-debuglink records the CRC-32 of the file it is given.
        try run(["objcopy", "--strip-all", "--add-gnu-debuglink=\(dir)/bin/.debug/workload.debug", binary, "\(dir)/bin/workload"])
        let exe = try Executable.load(openPath: "\(dir)/bin/workload", path: "\(dir)/bin/workload",
                                      debugFiles: DebugFileLocator(roots: ["\(dir)/no-such-root"]))
        #expect(exe.debugFile == "\(dir)/bin/.debug/workload.debug")
        let middle = try #require(try nmFunctions(binary).first { $0.name == "middle_a" })
        #expect(exe.symbols.lookup(middle.address)?.name == "middle_a")
    }

    @Test("The debuglink CRC-32 matches what objcopy wrote")
    func debugLinkCRC() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = try Workload.compile(in: dir)
        try run(["objcopy", "--only-keep-debug", binary, "\(dir)/w.debug"])
        try run(["objcopy", "--add-gnu-debuglink=\(dir)/w.debug", binary, "\(dir)/linked"])
        let link = try #require(try ELFFile(path: "\(dir)/linked").debugLink())
        #expect(link.name == "w.debug")
        #expect(link.crc == (try DebugFileLocator.crc32(of: "\(dir)/w.debug")))
        // Ground truth: the section's last four bytes as objcopy dumps them, and the
        // CRC-32 in a gzip trailer of the debug file (GNU gzip's own implementation).
        let fromSection = try sh("objcopy --dump-section .gnu_debuglink=\(dir)/section \(dir)/linked \(dir)/copy && tail -c 4 \(dir)/section | od -An -tu4")
        let fromGzip = try sh("gzip -c \(dir)/w.debug | tail -c 8 | head -c 4 | od -An -tu4")
        #expect(UInt32(fromSection.trimmingCharacters(in: .whitespacesAndNewlines)) == link.crc)
        #expect(UInt32(fromGzip.trimmingCharacters(in: .whitespacesAndNewlines)) == link.crc)
    }
}
