import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct ProcessMemoryMapTests {
    @Test func ownMapsIncludeExecutableAndStack() throws {
        let pid = getpid()
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var st = stat()
        try #require(stat(exe, &st) == 0)

        let rows = try query("SELECT * FROM process_memory_map WHERE pid = \(pid)")
        #expect(rows.allSatisfy { $0["pid"]?.int == Int64(pid) })
        let exeRows = rows.filter { $0["path"]?.string == exe }
        #expect(!exeRows.isEmpty)
        #expect(exeRows.allSatisfy { $0["inode"]?.int == Int64(st.st_ino) && $0["pseudo"]?.int == 0 })
        #expect(exeRows.contains { $0["permissions"]?.string.contains("x") == true })

        let stack = try #require(rows.first { $0["path"]?.string == "[stack]" })
        #expect(stack["pseudo"]?.int == 1)
        #expect(stack["inode"]?.int == 0)
        let start = try #require(UInt(stack["start"]!.string.dropFirst(2), radix: 16))
        let end = try #require(UInt(stack["end"]!.string.dropFirst(2), radix: 16))
        #expect(start < end)
    }

    @Test func everyFieldMatchesProcTextOfAChild() throws {
        // A sleeping child's map does not change while we read it twice.
        let child = try spawnSleeper()
        defer { stopSleeper(child) }
        let pid = child.processIdentifier

        let rows = try query("SELECT * FROM process_memory_map WHERE pid = \(pid)")
        let text = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        let lines = text.split(separator: "\n")
        try #require(rows.count == lines.count)
        for (row, line) in zip(rows, lines) {
            let f = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true).map(String.init)
            let range = f[0].split(separator: "-")
            #expect(row["start"]?.string == "0x" + range[0])
            #expect(row["end"]?.string == "0x" + range[1])
            #expect(row["permissions"]?.string == f[1])
            #expect(row["offset"]?.int == Int64(f[2], radix: 16))
            #expect(row["device"]?.string == f[3])
            #expect(row["inode"]?.int == Int64(f[4]))
            let path = f.count > 5 ? f[5].trimmingCharacters(in: .whitespaces) : ""
            #expect(row["path"]?.string == path)
            #expect(row["pseudo"]?.int == (f[4] == "0" && !path.isEmpty ? 1 : 0))
        }
        #expect(rows.contains { $0["path"]?.string == "/usr/bin/sleep" || $0["path"]?.string == "/bin/sleep" })
    }
}
