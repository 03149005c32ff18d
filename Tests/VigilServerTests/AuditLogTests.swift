import Foundation
import Testing
import VigilServer
import VigilServerStore
import VigilWire
import VigilTestSupport

/// The audit log: every change through the REST API and the web UI, and every refused
/// attempt, with who made it, from where, and for a live query its SQL.
@Suite(.ownThread) struct AuditLogTests {
    @Test(arguments: TestDatabase.all) func changesAndRefusedAttemptsAreRecordedWithWhoAndWhat(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, _ in
            _ = try await server.enrollOsquery("web-1")
            // Through the API: a wrong password, a login, a live query, a change without a
            // token, and an observer's attempt at a live query.
            #expect(try await server.request("/api/v1/login", json: #"{"password":"guess"}"#).status == 401)
            let admin = try await server.adminToken()
            let sql = "SELECT pid, name FROM processes WHERE name = 'sshd'"
            #expect(try await server.request("/api/v1/queries/run", json: #"{"sql":"\#(sql)","host_identifiers":["web-1"]}"#, token: admin).status == 200)
            #expect(try await server.request("/api/v1/config", method: .PUT, json: "{}").status == 401)
            let observer = try await server.fleet.store.addObserverToken(name: "grafana")
            #expect(try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 1","host_identifiers":["web-1"]}"#, token: observer).status == 403)
            // Reads are not changes: not recorded.
            #expect(try await server.request("/api/v1/hosts", method: .GET, token: admin).status == 200)

            // Through the UI: a login and a new token.
            try await browser.logIn("admin", try browser.adminPassword())
            let csrf = try #require(try await browser.get("/settings").csrf)
            #expect(try await browser.post("/settings/tokens", [("name", "ci-<b>bot</b>"), ("token-role", "observer"), ("csrf_token", csrf)]).status == 200)

            // An observer cannot read the log; an admin reads it newest first.
            #expect(try await server.request("/api/v1/audit", method: .GET, token: observer).status == 403)
            let reply = try await server.request("/api/v1/audit", method: .GET, token: admin)
            let entries = try #require(reply.json?["entries"]?.array).map(Entry.init)
            let expected: [(String, String, Int64)] = [
                ("user:admin (admin)", "POST /settings/tokens", 200),
                ("user:admin (admin)", "POST /login", 303),
                ("token:grafana (observer)", "POST /api/v1/queries/run", 403),
                ("anonymous", "PUT /api/v1/config", 401),
                ("token:login (admin)", "POST /api/v1/queries/run", 200),
                ("password", "POST /api/v1/login", 200),
                ("anonymous", "POST /api/v1/login", 401),
            ]
            #expect(entries.map { "\($0.actor) \($0.action) \($0.status)" } == expected.map { "\($0.0) \($0.1) \($0.2)" })
            #expect(entries.allSatisfy { $0.source == "127.0.0.1" })
            let live = try #require(entries.first { $0.action == "POST /api/v1/queries/run" && $0.status == 200 })
            #expect(live.detail.hasSuffix("on 1 host: \(sql)"))
            #expect(entries[0].target == "/settings/tokens name=ci-<b>bot</b>")
            // The settings page shows the log, as text.
            let page = try await browser.get("/settings").body
            #expect(page.contains("id=\"audit\""))
            #expect(page.contains("name=ci-&lt;b&gt;bot&lt;/b&gt;") && !page.contains("ci-<b>bot"))
            // Nothing secret is kept: no password, no token.
            let stored = try await server.fleet.store.auditLog(limit: 100, offset: 0)
            #expect(!stored.contains { $0.target.contains(admin) || $0.detail.contains(admin) || $0.detail.contains("guess") })
        }
    }
}

/// One entry as GET /api/v1/audit gives it.
struct Entry {
    var actor: String, action: String, target: String, detail: String, source: String
    var status: Int64
    init(_ e: JSONValue) {
        actor = e["actor"]?.string ?? ""
        action = e["action"]?.string ?? ""
        target = e["target"]?.string ?? ""
        detail = e["detail"]?.string ?? ""
        source = e["source"]?.string ?? ""
        status = Int64(e["status"]?.text ?? "") ?? 0
    }
}

extension ServerStore {
    /// An observer's API token, as `vigil server token create --role observer` makes one.
    func addObserverToken(name: String) async throws -> String {
        let token = Secrets.newKey()
        try await addToken(hash: Secrets.hash(token), role: .observer, name: name, at: Int64(Date().timeIntervalSince1970))
        return token
    }
}
