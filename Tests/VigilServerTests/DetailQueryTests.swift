import Foundation
import Testing
import VigilServer
import VigilWire
import VigilTestSupport

/// Host details kept current by detail queries in the hosts' own reads.
@Suite(.ownThread) struct DetailQueryTests {
    @Test(arguments: TestDatabase.all) func detailsAreAskedOnceAnHourAndUpdateTheHost(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            let key = try await server.enrollOsquery("h1")
            let token = try await server.adminToken()
            let read = try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(key)"}"#)
            let queries = try #require(read.json?["queries"]?.object)
            #expect(queries["detail_uptime"] == "SELECT total_seconds FROM uptime")
            #expect(queries["detail_interfaces"] != nil)
            // Asked: not again on the next read, though not yet answered.
            let again = try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(key)"}"#)
            #expect(again.json?["queries"]?["detail_uptime"] == nil)
            _ = try await server.request(OsqueryPaths.distributedWrite, json: """
                {"node_key":"\(key)","queries":{"detail_uptime":[{"total_seconds":"12345"}],\
                "detail_os_version":[{"name":"Ubuntu","version":"24.04.1 LTS","platform":"ubuntu"}],\
                "detail_interfaces":[{"interface":"eth0","address":"192.0.2.7","mask":"255.255.255.0","extra":"dropped"}],\
                "detail_system_info":[]},"statuses":{"detail_uptime":0,"detail_os_version":0,"detail_interfaces":0,"detail_system_info":1}}
                """)
            let hosts = try await server.request("/api/v1/hosts", method: .GET, token: token)
            let id = try #require(hosts.json?["hosts"]?.array?.first?["id"]?.text)
            let host = try await server.request("/api/v1/hosts/\(id)", method: .GET, token: token)
            #expect(host.json?["host"]?["uptime_seconds"] == .integer(12345))
            #expect(host.json?["host"]?["os_version"] == "24.04.1 LTS")
            #expect(host.json?["host"]?["interfaces"] == .array([.object(["interface": "eth0", "address": "192.0.2.7", "mask": "255.255.255.0"])]))
            // A failed detail query changes nothing: system_info stays as enrolled.
            #expect(host.json?["host"]?["cpu_brand"] == "Test CPU")
            #expect(host.json?["host"]?["labels"] == .array([]))
        }
    }
}
