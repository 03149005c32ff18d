import Foundation
import Testing
import VigilSQL

@Suite struct InterfaceDetailsTests {
    func sys(_ path: String) throws -> String {
        try String(contentsOfFile: "/sys/class/net/\(path)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func loopbackMatchesSysfs() throws {
        let before = try #require(Int64(try sys("lo/statistics/rx_bytes")))
        let rows = try query("SELECT * FROM interface_details WHERE interface = 'lo'")
        let lo = try #require(rows.first)
        #expect(rows.count == 1)
        #expect(lo["mtu"]?.int == Int64(try sys("lo/mtu")))
        #expect(lo["type"]?.int == 772)  // ARPHRD_LOOPBACK
        #expect(lo["mac"]?.string == "00:00:00:00:00:00")
        // IFF_UP | IFF_LOOPBACK
        #expect((lo["flags"]?.int ?? 0) & 0x9 == 0x9)
        #expect((lo["ibytes"]?.int ?? -1) >= before)
        #expect(lo["last_change"]?.int == -1)
    }

    @Test func interfacesAndMacsMatchIpLink() throws {
        let out = try shell(["ip", "-o", "link", "show"])
        var names: Set<String> = []
        var expected: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count > 2 else { continue }
            let name = String(f[1].dropLast().split(separator: "@")[0])
            names.insert(name)
            if let i = f.firstIndex(where: { $0.hasPrefix("link/") }), i + 1 < f.count {
                expected[name] = String(f[i + 1])
            }
        }
        let rows = try query("SELECT interface, mac, mtu FROM interface_details")
        #expect(Set(rows.map { $0["interface"]!.string }) == names)
        for row in rows {
            let name = row["interface"]!.string
            if let mac = expected[name] { #expect(row["mac"]?.string == mac, "mac of \(name)") }
            #expect(row["mtu"]?.int == Int64(try sys("\(name)/mtu")))
        }
    }
}
