import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// cpu_info against lscpu's summary of the same processors.
@Suite(.ownThread) struct CPUInfoTests {
    @Test func matchesLscpu() throws {
        var lscpu: [String: String] = [:]
        for line in try shell(["lscpu"]).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { lscpu[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        let rows = try query("SELECT * FROM cpu_info")
        #expect(rows.count == Int(lscpu["Socket(s)"] ?? ""), "\(lscpu)")
        let threads = Int64(lscpu["Thread(s) per core"] ?? "") ?? 0
        for row in rows {
            #expect(row["model"]?.string == lscpu["Model name"])
            #expect(row["manufacturer"]?.string == lscpu["Vendor ID"])
            #expect(row["number_of_cores"]?.string == lscpu["Core(s) per socket"])
            #expect(row["logical_processors"]?.int == Int64(lscpu["Core(s) per socket"] ?? "")! * threads)
            #expect(row["address_width"]?.string == ((lscpu["CPU op-mode(s)"] ?? "").contains("64-bit") ? "64" : "32"))
            #expect((row["current_clock_speed"]?.int ?? 0) > 0)
        }
    }
}
