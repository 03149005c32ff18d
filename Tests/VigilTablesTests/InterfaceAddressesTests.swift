import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct InterfaceAddressesTests {
    /// (interface, address) pairs `ip -o addr` reports for one family.
    func ipAddresses(_ flag: String) throws -> Set<[String]> {
        let out = try shell(["ip", "-o", flag, "addr", "show"])
        return Set(out.split(separator: "\n").compactMap { line -> [String]? in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 4 else { return nil }
            return [String(f[1]), String(f[3].split(separator: "/")[0])]
        })
    }

    @Test func loopbackHasLocalhost() throws {
        let rows = try query("SELECT * FROM interface_addresses WHERE interface = 'lo' AND address = '127.0.0.1'")
        #expect(rows.count == 1)
        #expect(rows.first?["mask"]?.string == "255.0.0.0")
    }

    @Test func addressesMatchIpCommand() throws {
        let rows = try query("SELECT interface, address FROM interface_addresses")
        let v4 = Set(rows.filter { !$0["address"]!.string.contains(":") }.map { [$0["interface"]!.string, $0["address"]!.string] })
        let v6 = Set(rows.filter { $0["address"]!.string.contains(":") }.map { [$0["interface"]!.string, $0["address"]!.string] })
        #expect(v4 == (try ipAddresses("-4")))
        // ip prints IPv6 through inet_ntop too: compressed text must agree exactly.
        #expect(v6 == (try ipAddresses("-6")))
    }
}
