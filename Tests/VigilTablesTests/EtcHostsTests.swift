import Foundation
import Testing
import VigilSQL
import VigilSystem
import VigilTestSupport

@Suite(.ownThread) struct EtcHostsTests {
    /// The address lines of a hosts file, parsed independently of Vigil.
    func expected(_ text: String) -> [[String]] {
        text.split(separator: "\n").compactMap { line in
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = content.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            return f.count >= 2 ? [f[0], f.dropFirst().joined(separator: " ")] : nil
        }
    }

    @Test func rowsMatchEtcHosts() throws {
        let text = try String(contentsOfFile: "/etc/hosts", encoding: .utf8)
        let rows = try query("SELECT address, hostnames FROM etc_hosts")
        #expect(rows.map { [$0["address"]!.string, $0["hostnames"]!.string] } == expected(text))
        #expect(rows.contains { $0["address"]?.string == "127.0.0.1" && $0["hostnames"]!.string.split(separator: " ").contains("localhost") })
    }

    @Test func pidWithNamespaceReadsThatProcessRoot() throws {
        let pid = getpid()
        let rows = try query("SELECT address, hostnames, pid_with_namespace FROM etc_hosts WHERE pid_with_namespace = \(pid)")
        let text = try String(contentsOfFile: "/proc/\(pid)/root/etc/hosts", encoding: .utf8)
        #expect(rows.map { [$0["address"]!.string, $0["hostnames"]!.string] } == expected(text))
        #expect(rows.allSatisfy { $0["pid_with_namespace"]?.int == Int64(pid) })
    }

    @Test func parserHandlesCommentsTabsAndBareAddresses() {
        let entries = HostsFile.parse("# header\n10.0.0.1\tone  two # trailing\n10.0.0.2\n\n::1 ip6-localhost\r\n")
        #expect(entries.map(\.address) == ["10.0.0.1", "::1"])
        #expect(entries.map(\.hostnames) == [["one", "two"], ["ip6-localhost"]])
    }
}
