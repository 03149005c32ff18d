import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

@Suite(.ownThread) struct MemoryMapTests {
    /// Every line of /proc/iomem (indentation removed by sed) is one row, in order.
    @Test func rowsAreTheLinesOfIomem() throws {
        let lines = try shell(["sed", "s/^ *//", "/proc/iomem"]).split(separator: "\n").map(String.init)
        let rows = try query("SELECT start, end, name FROM memory_map")
        #expect(!rows.isEmpty)
        let rendered = rows.map { "\($0["start"]!.string.dropFirst(2))-\($0["end"]!.string.dropFirst(2)) : \($0["name"]!.string)" }
        #expect(rendered == lines)
        #expect(rows.allSatisfy { $0["start"]!.string.hasPrefix("0x") && $0["end"]!.string.hasPrefix("0x") })
    }

    /// Nested regions keep their own name and bounds; a malformed line is skipped.
    @Test func nestedRegionsOfAFixture() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("iomem")
        try "00000000-00000fff : Reserved\n00100000-bffdffff : System RAM\n  01000000-01e00fff : Kernel code\nnot a region\n    fee00000-fee00fff : Local APIC\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let db = try Database(tables: [MemoryMapTable(path: file.path)])
        let rows = try db.query("SELECT name, start, end FROM memory_map")
        #expect(rows.map { $0["name"]!.string } == ["Reserved", "System RAM", "Kernel code", "Local APIC"])
        #expect(rows[2]["start"]?.string == "0x01000000")
        #expect(rows[2]["end"]?.string == "0x01e00fff")
    }
}
