import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct CPUTimeTests {
    @Test func oneRowPerCPULine() throws {
        let cpuLines = try String(contentsOfFile: "/proc/stat", encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("cpu") && !$0.hasPrefix("cpu ") }
        let rows = try query("SELECT core, user, idle FROM cpu_time")
        #expect(rows.count == cpuLines.count)
        #expect(rows.map { $0["core"]?.int } == cpuLines.map { Int64($0.split(separator: " ")[0].dropFirst(3)) })
        // Counters only grow: a later read is never below ours.
        for (row, line) in zip(rows, cpuLines) {
            let idle = Int64(line.split(separator: " ")[4])!
            #expect(row["idle"]!.int >= idle)
        }
    }
}
