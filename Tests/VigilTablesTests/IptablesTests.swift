import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// A chain and rules of the test's own, made with iptables-legacy (the x_tables
/// interface libiptc reads), found with their addresses, ports and counters.
@Suite(.ownThread, .serialized, .requiresRoot) struct IptablesTests {
    @Test func ruleMadeWithIptablesLegacyIsListed() throws {
        try requireRoot()
        let chain = "VIGIL_T\(UInt32.random(in: 0..<1_000_000))"
        _ = try shell(["iptables-legacy", "-N", chain])
        defer {
            _ = try? shell(["iptables-legacy", "-F", chain])
            _ = try? shell(["iptables-legacy", "-X", chain])
        }
        _ = try shell(["iptables-legacy", "-A", chain, "-s", "10.9.8.7/32", "-i", "lo", "-p", "tcp", "--dport", "2222", "-j", "ACCEPT"])
        _ = try shell(["iptables-legacy", "-A", chain, "-d", "192.0.2.0/24", "-p", "udp", "--sport", "1000:2000", "-j", "DROP"])

        let rows = try query("SELECT * FROM iptables WHERE filter_name = 'filter' AND chain = '\(chain)'")
        try #require(rows.count == 3, "the chain's row and its two rules: \(rows)")
        #expect(rows[0]["policy"]?.string == "")   // a user chain has no policy
        #expect(rows[0]["target"]?.string == "")
        let tcp = rows[1], udp = rows[2]
        #expect(tcp["target"]?.string == "ACCEPT")
        #expect(tcp["protocol"]?.int == 6)
        #expect(tcp["src_ip"]?.string == "10.9.8.7")
        #expect(tcp["src_mask"]?.string == "255.255.255.255")
        #expect(tcp["iniface"]?.string == "lo")
        #expect(tcp["iniface_mask"]?.string == "FFFFFF")   // "lo" plus its terminating NUL, as iptables stores it
        #expect(tcp["outiface"]?.string == "all")
        #expect(tcp["dst_port"]?.string == "2222:2222")
        #expect(tcp["src_port"]?.string == "0:65535")
        #expect(tcp["match"]?.string == "yes")
        #expect(udp["target"]?.string == "DROP")
        #expect(udp["protocol"]?.int == 17)
        #expect(udp["dst_ip"]?.string == "192.0.2.0")
        #expect(udp["dst_mask"]?.string == "255.255.255.0")
        #expect(udp["src_port"]?.string == "1000:2000")

        // The built-in chains carry their policies as iptables-legacy -S prints them.
        let policies = try shell(["iptables-legacy", "-S"]).split(separator: "\n").filter { $0.hasPrefix("-P ") }
        for p in policies {
            let parts = p.split(separator: " ")
            #expect(try query("SELECT policy FROM iptables WHERE filter_name = 'filter' AND chain = '\(parts[1])' AND target = ''")
                .first?["policy"]?.string == String(parts[2]))
        }
    }
}
