import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct MemoryInfoTests {
    @Test func totalsMatchMeminfo() throws {
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        func kb(_ key: String) -> Int64? {
            meminfo.split(separator: "\n").first { $0.hasPrefix(key + ":") }
                .flatMap { Int64($0.split(separator: " ")[1]) }.map { $0 * 1024 }
        }
        let row = try #require(try query("SELECT * FROM memory_info").first)
        #expect(row["memory_total"]?.int == kb("MemTotal"))
        #expect(row["swap_total"]?.int == kb("SwapTotal"))
        #expect(row["memory_free"]!.int <= row["memory_total"]!.int)
        #expect(row["memory_available"]!.int <= row["memory_total"]!.int)
    }
}
