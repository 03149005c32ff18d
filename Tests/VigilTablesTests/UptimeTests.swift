import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct UptimeTests {
    @Test func withinTwoSecondsOfProcUptime() throws {
        let row = try #require(try query("SELECT * FROM uptime").first)
        let proc = Double(try String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ")[0])!
        let total = row["total_seconds"]!.int
        #expect(abs(Double(total) - proc) < 2)
        #expect(row["days"]!.int * 86400 + row["hours"]!.int * 3600 + row["minutes"]!.int * 60 + row["seconds"]!.int == total)
        #expect(row["hours"]!.int < 24 && row["minutes"]!.int < 60 && row["seconds"]!.int < 60)
    }
}
