import Foundation
import Testing
import VigilTestSupport
import VigilWire

/// Node keys are remembered by each server for a while (every agent request starts by
/// looking one up), yet a key stops working everywhere the moment its host is forgotten
/// or enrolls again: on the server that made the change, and on every other server on
/// the same database.
@Suite(.ownThread) struct HostKeyTests {
    static func config(_ server: TestServer, _ key: String) async throws -> Int {
        try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)"}"#).status
    }

    static func hostID(_ server: TestServer, _ identifier: String, token: String) async throws -> String {
        let hosts = try await server.request("/api/v1/hosts", method: .GET, token: token)
        let host = try #require(hosts.json?["hosts"]?.array?.first { $0["hostname"]?.string == identifier || $0["host_identifier"]?.string == identifier })
        return try #require(host["id"]).text
    }

    @Test(arguments: TestDatabase.all) func aForgottenOrReenrolledHostsOldKeyStopsAtOnce(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            let token = try await server.adminToken()
            let old = try await server.enrollOsquery("renewed")
            #expect(try await Self.config(server, old) == 200) // now remembered
            let new = try await server.enrollOsquery("renewed")
            #expect(try await Self.config(server, old) == 401, "the key replaced by enrolling again")
            #expect(try await Self.config(server, new) == 200)

            let id = try await Self.hostID(server, "renewed", token: token)
            #expect(try await server.request("/api/v1/hosts/\(id)", method: .DELETE, token: token).status == 200)
            #expect(try await Self.config(server, new) == 401, "the key of a forgotten host")
            let read = try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(new)"}"#)
            #expect(read.json?["node_invalid"] == .bool(true))
        }
    }

    @Test(.enabled(if: TestPostgres.available, "needs PostgreSQL")) func anotherServerStopsTakingTheKeyToo() async throws {
        try await TestServer.withTwoOnPostgres { a, b in
            let token = try await a.adminToken()
            let old = try await b.enrollOsquery("moving")
            #expect(try await Self.config(b, old) == 200) // b remembers it
            let new = try await a.enrollOsquery("moving")
            #expect(try await Self.refusedSoon(b, old), "b still took the key replaced through a")
            #expect(try await Self.config(b, new) == 200)
            let id = try await Self.hostID(a, "moving", token: token)
            #expect(try await a.request("/api/v1/hosts/\(id)", method: .DELETE, token: token).status == 200)
            #expect(try await Self.refusedSoon(b, new), "b still took the key of a host forgotten through a")
        }
    }

    /// Refused within 2 s: the other server hears of the change by PostgreSQL's NOTIFY.
    static func refusedSoon(_ server: TestServer, _ key: String) async throws -> Bool {
        let end = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < end {
            if try await config(server, key) == 401 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
