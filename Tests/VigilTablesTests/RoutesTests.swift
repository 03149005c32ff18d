import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct RoutesTests {
    func dataLines(_ path: String, header: Bool) throws -> Int {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return lines.count - (header ? 1 : 0)
    }

    @Test func rowCountMatchesProcNet() throws {
        let rows = try query("SELECT destination FROM routes")
        let v4 = rows.filter { !$0["destination"]!.string.contains(":") }.count
        let v6 = rows.count - v4
        #expect(v4 == (try dataLines("/proc/net/route", header: true)))
        if FileManager.default.fileExists(atPath: "/proc/net/ipv6_route") {
            #expect(v6 == (try dataLines("/proc/net/ipv6_route", header: false)))
        }
    }

    /// `ip route` unicast routes: "default via GW dev IF ..." or "PREFIX[/LEN] [via GW] dev IF ...".
    func ipRoutes(_ flag: String) throws -> [(dest: String, len: Int, gateway: String?, dev: String)] {
        let out = try shell(["ip", flag, "route", "show", "table", "main"])
        return out.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ").map(String.init)
            guard let first = f.first, let devAt = f.firstIndex(of: "dev"), devAt + 1 < f.count else { return nil }
            let gateway = f.firstIndex(of: "via").map { f[$0 + 1] }
            if first == "default" { return (flag == "-4" ? "0.0.0.0" : "::", 0, gateway, f[devAt + 1]) }
            guard first.first?.isHexDigit == true else { return nil }  // unreachable, blackhole...
            let parts = first.split(separator: "/")
            return (String(parts[0]), parts.count == 2 ? Int(parts[1])! : (flag == "-4" ? 32 : 128), gateway, f[devAt + 1])
        }
    }

    @Test func mainTableRoutesMatchIpRoute() throws {
        let rows = try query("SELECT destination, netmask, gateway, interface FROM routes")
        for flag in ["-4", "-6"] {
            for r in try ipRoutes(flag) {
                let match = rows.first {
                    $0["destination"]?.string == r.dest && $0["netmask"]?.int == Int64(r.len) && $0["interface"]?.string == r.dev
                }
                #expect(match != nil, "no row for \(r)")
                #expect(match?["gateway"]?.text == r.gateway, "gateway of \(r)")
            }
        }
    }
}
