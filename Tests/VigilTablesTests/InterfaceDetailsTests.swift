import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct InterfaceDetailsTests {
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

    /// `ip -o link show`: each interface's name and its link address.
    func ipLink() throws -> [String: String] {
        var links: [String: String] = [:]
        for line in try shell(["ip", "-o", "link", "show"]).split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count > 2 else { continue }
            let name = String(f[1].dropLast().split(separator: "@")[0])
            links[name] = f.firstIndex(where: { $0.hasPrefix("link/") }).flatMap { $0 + 1 < f.count ? String(f[$0 + 1]) : nil } ?? ""
        }
        return links
    }

    /// Other tests create and remove interfaces (veth pairs for network namespaces) while
    /// this one runs: every interface there before and after the query is in it, and
    /// nothing that was in neither.
    @Test func interfacesAndMacsMatchIpLink() throws {
        let before = try ipLink()
        let rows = try query("SELECT interface, mac, mtu FROM interface_details")
        let after = try ipLink()
        let listed = Set(rows.map { $0["interface"]!.string })
        let stayed = Set(before.keys).intersection(after.keys)
        #expect(stayed.isSubset(of: listed), "missing: \(stayed.subtracting(listed))")
        #expect(listed.isSubset(of: Set(before.keys).union(after.keys)), "unknown: \(listed.subtracting(before.keys).subtracting(after.keys))")
        #expect(stayed.contains("lo"))
        for row in rows {
            let name = row["interface"]!.string
            guard stayed.contains(name), let mtu = try? sys("\(name)/mtu") else { continue }
            if let mac = before[name], !mac.isEmpty, mac == after[name] { #expect(row["mac"]?.string == mac, "mac of \(name)") }
            #expect(row["mtu"]?.int == Int64(mtu))
        }
    }
}
