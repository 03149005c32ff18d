import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct ArpCacheTests {
    @Test func rowsMatchProcNetArp() throws {
        let lines = try String(contentsOfFile: "/proc/net/arp", encoding: .utf8).split(separator: "\n").dropFirst()
        let rows = try query("SELECT * FROM arp_cache")
        #expect(rows.count == lines.count)
        for line in lines {
            let f = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let row = rows.first { $0["address"]?.string == f[0] && $0["interface"]?.string == f[5] }
            #expect(row?["mac"]?.string == f[3])
            let permanent = (Int(f[2].dropFirst(2), radix: 16)! & 0x4) != 0
            #expect(row?["permanent"]?.string == (permanent ? "1" : "0"))
        }
    }

    @Test func reachableNeighboursAgreeWithIpNeigh() throws {
        let out = try shell(["ip", "-4", "neigh", "show"])
        let rows = try query("SELECT address, mac, interface FROM arp_cache")
        for line in out.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            guard let dev = f.firstIndex(of: "dev"), let ll = f.firstIndex(of: "lladdr") else { continue }
            #expect(rows.contains { $0["address"]?.string == f[0] && $0["interface"]?.string == f[dev + 1] && $0["mac"]?.string == f[ll + 1] })
        }
    }
}
