import Foundation
import NIOHTTP1
import Testing
import VigilServer
import VigilTestSupport
import VigilWire

/// The REST API's tokens and its OpenAPI document.
@Suite(.ownThread) struct APITests {
    /// Health for load balancers: up, and ready only while the database answers; with
    /// PostgreSQL cut off, an answer within the timeout (503 for readiness, an error for
    /// an agent's request), never a hang, and ready again once it is back.
    @Test(.enabled(if: TestPostgres.available, "PostgreSQL is not installed"))
    func readinessFollowsTheDatabase() async throws {
        try await TestServer.with(.postgres, { $0.options.databaseTimeoutSeconds = 2 }) { server in
            #expect(try await server.request("/healthz", method: .GET).status == 200)
            let ready = try await server.request("/readyz", method: .GET)
            #expect(ready.status == 200 && ready.json?["database"] == "postgres", "\(ready.text)")
            // The 2-second timeout is for the outage below; on a loaded machine (a CI run)
            // an enroll against a fresh database can take longer, and its 500 is then that
            // timeout at work. Enroll again until one gets through.
            var enrolled: String?
            let deadline = ContinuousClock.now + .seconds(60)
            while enrolled == nil && ContinuousClock.now < deadline {
                let reply = try await server.request(OsqueryPaths.enroll, json: server.osqueryEnrollBody("h1"))
                if reply.status == 200 { enrolled = reply.json?["node_key"]?.string } else { try await Task.sleep(for: .milliseconds(500)) }
            }
            let key = try #require(enrolled, "no enroll got through in 60 s")
            let name = try #require(server.fleet.configuration.postgres?.database)
            _ = try await TestPostgres.query(database: "postgres", "ALTER DATABASE \(name) ALLOW_CONNECTIONS false")
            _ = try await TestPostgres.query(database: "postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(name)'")
            var started = ContinuousClock.now
            let down = try await server.request("/readyz", method: .GET)
            #expect(down.status == 503, "\(down.text)")
            #expect(ContinuousClock.now - started < .seconds(6))
            started = ContinuousClock.now
            let read = try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(key)"}"#)
            #expect(read.status >= 500, "\(read.text)")
            #expect(ContinuousClock.now - started < .seconds(6))
            _ = try await TestPostgres.query(database: "postgres", "ALTER DATABASE \(name) ALLOW_CONNECTIONS true")
            var back = false
            for _ in 0..<50 where !back {
                back = try await server.request("/readyz", method: .GET).status == 200
                if !back { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(back, "not ready again after PostgreSQL came back")
            // (Within a few tries, for the same reason as the enroll.)
            var served = false
            for _ in 0..<20 where !served {
                served = try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(key)"}"#).status == 200
                if !served { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(served, "an agent's read is not served again after PostgreSQL came back")
        }
    }

    /// Passwords are stored with bcrypt (salted, slow), never as a fast hash; a data
    /// directory from before keeps working with its SHA-256.
    @Test func passwordsAreStoredWithBcrypt() async throws {
        try await TestServer.with(.sqlite) { server in
            let password = try String(contentsOfFile: server.dir + "/admin_password", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let stored = try #require(try await server.fleet.store.setting("admin_password_hash"))
            #expect(stored.hasPrefix("$2b$10$") && stored.count == 60, "\(stored)")
            #expect(!stored.contains(Secrets.hash(password)))
            #expect(try await server.request("/api/v1/login", json: #"{"password":"\#(password)"}"#).status == 200)
            #expect(try await server.request("/api/v1/login", json: #"{"password":"\#(password)x"}"#).status == 401)
            // The same password hashes differently each time (a salt), and both verify.
            let again = await Secrets.passwordHash(password)
            #expect(again != stored)
            #expect(await Secrets.passwordMatches(password, stored: again))
            #expect(await Secrets.passwordMatches(password, stored: Secrets.hash(password)), "a SHA-256 from an older data directory")
            #expect(await !Secrets.passwordMatches("wrong", stored: Secrets.hash(password)))
        }
    }

    @Test(arguments: TestDatabase.all) func tokensAreRequiredAndObserversCannotRunQueries(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            #expect(try await server.request("/api/v1/hosts", method: .GET).status == 401)
            #expect(try await server.request("/api/v1/hosts", method: .GET, token: "made-up").status == 401)
            let observer = Secrets.newKey()
            try await server.fleet.store.addToken(hash: Secrets.hash(observer), role: .observer, name: "t", at: 0)
            #expect(try await server.request("/api/v1/hosts", method: .GET, token: observer).status == 200)
            let refused = try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 1","host_identifiers":["x"]}"#, token: observer)
            #expect(refused.status == 403)
            #expect(try await server.request("/api/v1/login", json: #"{"password":"wrong"}"#).status == 401)
        }
    }

    /// Every path the document names answers (401 without a token, never 404), and a
    /// path it does not name is not served: document and router agree.
    @Test(arguments: TestDatabase.all) func openAPIDocumentMatchesTheRoutes(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            let doc = try await server.request("/api/openapi.json", method: .GET)
            #expect(doc.json?["openapi"] == "3.1.0")
            let paths = try #require(doc.json?["paths"]?.object)
            #expect(paths.keys.contains("/api/v1/hosts"))
            #expect(paths.keys.contains("/api/v1/queries/run/{id}"))
            for (path, item) in paths {
                for method in item.object?.keys ?? [:].keys {
                    let concrete = path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{secret}", with: "s")
                    let reply = try await server.request(concrete, method: .init(rawValue: method.uppercased()), json: method == "get" || method == "delete" ? nil : "{}")
                    #expect(reply.status != 404, "\(method) \(path) is documented but not served")
                    if item[method]?["security"] != nil { #expect(reply.status == 401, "\(method) \(path) answered \(reply.status) without a token") }
                }
            }
            #expect(try await server.request("/api/v1/nothing-here", method: .GET).status == 404)
        }
    }

    @Test(arguments: TestDatabase.all) func hostsListShowsEnrollmentDetailsAndStatus(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            _ = try await server.enrollOsquery("db-7")
            let token = try await server.adminToken()
            let hosts = try await server.request("/api/v1/hosts?query=db-&status=online", method: .GET, token: token)
            let host = try #require(hosts.json?["hosts"]?.array?.first)
            #expect(host["hostname"] == "db-7")
            #expect(host["os_name"] == "Ubuntu")
            #expect(host["agent"] == "osquery")
            #expect(host["agent_version"] == "5.12.1")
            #expect(host["physical_memory"] == .integer(8_589_934_592))
            #expect(host["status"] == "online")
            let offline = try await server.request("/api/v1/hosts?status=offline", method: .GET, token: token)
            #expect(offline.json?["hosts"]?.array?.isEmpty == true)
            #expect(try await server.request("/api/v1/hosts?status=bogus", method: .GET, token: token).status == 400)
        }
    }

    /// Parameters outside their documented types and ranges are refused with 400 and the
    /// parameter's name, never taken as a default, and never crash the server (a huge
    /// page once overflowed page × per_page; the fuzzer found it once pages were typed).
    @Test func outOfRangeParametersAreRefusedWithTheirName() async throws {
        try await TestServer.with(.sqlite) { server in
            let token = try await server.adminToken()
            _ = try await server.enrollOsquery("h1")
            for (path, name) in [("/api/v1/results?page=9223372036854775807&per_page=1000", "page"), ("/api/v1/hosts?per_page=0", "per_page"),
                                 ("/api/v1/hosts?page=-1", "page"), ("/api/v1/hosts/1/telemetry?since=yesterday", "since")] {
                let r = try await server.request(path, method: .GET, token: token)
                #expect(r.status == 400 && r.text.contains(name), "\(path): \(r.status) \(r.text)")
            }
            let run = try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 1","host_identifiers":["h1"]}"#, token: token)
            let id = try #require(run.json?["campaign_id"]?.text)
            let rows = try await server.request("/api/v1/queries/run/\(id)?max_rows=abc", method: .GET, token: token)
            #expect(rows.status == 400 && rows.text.contains("max_rows"), "\(rows.text)")
            // max_targets=0: the counts of every target, without the list.
            let counts = try await server.request("/api/v1/queries/run/\(id)?max_rows=0&max_targets=0", method: .GET, token: token)
            #expect(counts.status == 200 && counts.json?["targets"]?.array?.isEmpty == true, "\(counts.text)")
            let total = counts.json?["counts"]?.object?.values.reduce(Int64(0)) { sum, v in if case .integer(let n) = v { sum + n } else { sum } }
            #expect(total == 1, "\(counts.text)")
            let all = try await server.request("/api/v1/queries/run/\(id)", method: .GET, token: token)
            #expect(all.json?["targets"]?.array?.count == 1)
            #expect(try await server.request("/api/v1/queries/run/\(id)?max_targets=-1", method: .GET, token: token).status == 400)
            // A listing for a host that does not exist is a 404, not an empty list.
            #expect(try await server.request("/api/v1/hosts/999/telemetry", method: .GET, token: token).status == 404)
            #expect(try await server.request("/api/v1/hosts/999/profiles", method: .GET, token: token).status == 404)
            #expect(try await server.request("/healthz", method: .GET).status == 200)
        }
    }
}
