import Foundation
import Testing
@testable import VigilSystem
import VigilTestSupport

/// The one /proc/PID/maps parser (the process_memory_map table, the profiler and the
/// agent's working set use it).
@Suite(.ownThread) struct MemoryMapTests {
    static let text = """
        00400000-00452000 r-xp 00000000 fd:01 1048602                            /usr/bin/cat
        55d0c0a28000-55d0c0a6d000 rw-p 00028000 103:02 1048603                   /opt/my app/lib x.so
        7f1e2c000000-7f1e2c021000 rw-p 00000000 00:00 0 
        7f1e2e000000-7f1e2e004000 r-xp 00002000 08:02 77                         /tmp/gone.so (deleted)
        7f1e2f000000-7f1e2f001000 r--s 00000000 00:05 9                          /tmp/ends in a space 
        7f1e30000000-7f1e30001000 rw-p 00000000 00:00 0                          [anon:jit (deleted)]
        7ffd1b3f2000-7ffd1b3f4000 r-xp 00000000 00:00 0                          [vdso]
        ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
        not a maps line
        7f1e31000000 r-xp 00000000 00:00 0
        """

    @Test func everyFieldOfEveryShapeOfLine() throws {
        let regions = MemoryMap.parse(Array(Self.text.utf8))
        try #require(regions.count == 8, "\(regions)")
        #expect(regions[0] == MemoryRegion(start: 0x400000, end: 0x452000, permissions: "r-xp", offset: 0, deviceMajor: 0xfd, deviceMinor: 1,
                                           inode: 1048602, path: "/usr/bin/cat"))
        #expect(regions[0].isExecutable && !regions[0].isPseudo && regions[0].deviceText == "fd:01")
        // Spaces inside a path are the path's; the device's major may take three digits.
        #expect(regions[1].path == "/opt/my app/lib x.so" && regions[1].deviceText == "103:02" && regions[1].offset == 0x28000)
        // Anonymous memory: no path (the trailing space after the inode is padding).
        #expect(regions[2].path == "" && regions[2].inode == 0 && !regions[2].isPseudo && !regions[2].isExecutable)
        // A deleted file keeps its name; the mark is a flag, and the text has it back.
        #expect(regions[3].path == "/tmp/gone.so" && regions[3].deleted && regions[3].pathText == "/tmp/gone.so (deleted)")
        // A name that ends in a space keeps it.
        #expect(regions[4].path == "/tmp/ends in a space " && regions[4].permissions == "r--s")
        // A pseudo name is never a deleted file, whatever it ends with.
        #expect(regions[5].path == "[anon:jit (deleted)]" && !regions[5].deleted && regions[5].isPseudo)
        #expect(regions[6].path == "[vdso]" && regions[6].isPseudo && regions[6].isExecutable)
        #expect(regions[7].start == 0xffffffffff600000 && regions[7].end == 0xffffffffff601000)
    }

    @Test func executableOnlySkipsTheRest() {
        let regions = MemoryMap.parse(Array(Self.text.utf8), executableOnly: true)
        #expect(regions.map(\.path) == ["/usr/bin/cat", "/tmp/gone.so", "[vdso]", "[vsyscall]"])
    }

    @Test(arguments: ["", "0-1 r-xp 0 00:00", "0-1 r-x 0 00:00 0", "0-g r-xp 0 00:00 0", "0-1 r-xp 0 0000 0", "0-1 r-xp 0 00:00 x",
                      "11111111111111111-1 r-xp 0 00:00 0"])
    func malformedLinesAreSkipped(line: String) {
        #expect(MemoryMap.parseLine(Array(line.utf8)[...]) == nil)
    }

    /// This process's own map, against the kernel's text field by field.
    @Test func ownMapMatchesTheKernelsText() throws {
        let bytes = try FileSystem.read("/proc/self/maps")
        let regions = MemoryMap.parse(bytes)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        try #require(regions.count == lines.count)
        for (region, line) in zip(regions, lines) {
            let f = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            #expect(MemoryMap.hex(region.start, width: 8) + "-" + MemoryMap.hex(region.end, width: 8) == f[0])
            #expect(region.permissions == f[1] && MemoryMap.hex(region.offset, width: 8) == f[2])
            #expect(region.deviceText == f[3] && String(region.inode) == f[4])
            #expect(region.pathText == (f.count > 5 ? String(f[5].drop { $0 == " " }) : ""))
        }
        let exe = try FileSystem.readLink("/proc/self/exe")
        #expect(regions.contains { $0.path == exe && $0.isExecutable })
    }
}
