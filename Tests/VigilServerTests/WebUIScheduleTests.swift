import Foundation
import Testing
import VigilServer
import VigilServerStore
import VigilWire
import VigilTestSupport

/// The queries, packs and labels pages: each form checked by the server before it saves
/// (SQL against the tables' schemas), what it saves is what hosts get, observers change
/// nothing, and names and SQL typed into them show as text.
@Suite(.ownThread, .serialized) struct WebUIScheduleTests {
    @Test(arguments: TestDatabase.all) func labelsPacksAndScheduledQueriesAreCheckedThenSaved(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, _ in
            let store = server.fleet.store
            let key = try await server.enrollOsquery("sched-1")
            try await browser.logIn("admin", try browser.adminPassword())
            let csrf = try #require(try await browser.get("/labels").csrf)

            // Labels: a wrong column is refused with SQLite's words and nothing is saved.
            let wrong = try await browser.post("/labels", [("name", "deb"), ("sql", "SELECT 1 FROM os_version WHERE platfrom = 'debian'"), ("csrf_token", csrf)])
            #expect(wrong.status == 400 && wrong.body.contains("no such column: platfrom") && wrong.body.contains("did you mean platform"), "\(wrong.body)")
            #expect(wrong.body.contains("platfrom = &#39;debian&#39;"), "what was typed comes back in the form")
            #expect(try await store.labels().isEmpty)
            #expect(try await browser.post("/labels", [("name", "bad name!"), ("sql", "SELECT 1"), ("csrf_token", csrf)]).status == 400)
            #expect(try await browser.post("/labels", [("name", "both"), ("sql", "SELECT 1"), ("hosts", "sched-1"), ("csrf_token", csrf)]).status == 400)
            let made = try await browser.post("/labels", [("name", "deb"), ("description", "<b>Debian</b>"), ("sql", "SELECT 1 FROM os_version WHERE platform = 'debian'"), ("csrf_token", csrf)])
            #expect(made.status == 303 && made.location == "/labels")
            #expect(try await browser.post("/labels", [("name", "pets"), ("hosts", "sched-1\nnope"), ("csrf_token", csrf)]).body.contains("unknown host_identifier nope"))
            #expect(try await browser.post("/labels", [("name", "pets"), ("hosts", "sched-1"), ("csrf_token", csrf)]).status == 303)
            let labels = try await store.labels()
            #expect(labels.map(\.name) == ["deb", "pets"] && labels.last?.hosts == 1)
            let page = try await browser.get("/labels").body
            #expect(page.contains("&lt;b&gt;Debian&lt;/b&gt;") && !page.contains("<b>Debian"))
            // Edit: the dynamic label's query (asked of hosts again), the manual label's hosts.
            let deb = try #require(labels.first)
            #expect(try await browser.get("/labels/\(deb.id)/edit").body.contains("Edit deb"))
            #expect(try await browser.post("/labels/\(deb.id)", [("description", "d"), ("sql", "SELECT nope FROM os_version"), ("csrf_token", csrf)]).status == 400)
            #expect(try await browser.post("/labels/\(deb.id)", [("description", "d"), ("sql", "SELECT 2 FROM os_version"), ("csrf_token", csrf)]).status == 303)
            #expect(try await store.labels().first?.query == "SELECT 2 FROM os_version")
            let pets = try #require(labels.last)
            #expect(try await browser.post("/labels/\(pets.id)", [("description", ""), ("hosts", ""), ("csrf_token", csrf)]).status == 303)
            #expect(try await store.labels().last?.hosts == 0)

            // Packs: labels and shard checked, then saved with no queries yet.
            #expect(try await browser.post("/packs", [("name", "ports"), ("labels", "nope"), ("csrf_token", csrf)]).body.contains("unknown label nope"))
            #expect(try await browser.post("/packs", [("name", "ports"), ("shard", "150"), ("csrf_token", csrf)]).status == 400)
            #expect(try await browser.post("/packs", [("name", "ports"), ("labels", "deb"), ("shard", "50"), ("csrf_token", csrf)]).status == 303)
            let pack = try #require(try await store.packs().first)
            #expect(pack.labelIDs == [deb.id])

            // Scheduled queries: every field checked, then saved where agents read it.
            func query(_ fields: [(String, String)]) async throws -> WebBrowser.Page { try await browser.post("/queries", fields + [("csrf_token", csrf)]) }
            let base = [("name", "listening"), ("sql", "SELECT port FROM listening_ports"), ("interval", "300"), ("type", "snapshot"), ("shard", ""), ("pack", "ports")]
            func with(_ name: String, _ value: String) -> [(String, String)] { base.map { $0.0 == name ? (name, value) : $0 } }
            let badColumn = try await query(with("sql", "SELECT prot FROM listening_ports"))
            #expect(badColumn.status == 400 && badColumn.body.contains("no such column: prot"))
            let write = try await query(with("sql", "DELETE FROM processes"))
            #expect(write.status == 400 && write.body.contains("table processes may not be modified"), "\(write.body)")
            #expect(try await query(with("interval", "0")).body.contains("interval is a number of seconds"))
            #expect(try await query(with("interval", "soon")).status == 400)
            #expect(try await query(with("shard", "101")).body.contains("shard is a percentage"))
            #expect(try await query(with("pack", "nope")).body.contains("unknown pack nope"))
            #expect(try await query(base).status == 303)
            #expect(try await query(base).status == 409, "the same name twice in one pack")
            let config = try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)"}"#)
            // The host is not in the label yet, so the pack is not in its config; the API lists it.
            #expect(config.json?["packs"] == nil)
            let listed = try await server.request("/api/v1/schedule", method: .GET, token: try await server.adminToken())
            let entry = try #require(listed.json?["queries"]?.array?.first { $0["name"] == "listening" })
            #expect(entry["pack"] == "ports" && entry["interval"] == .integer(300) && entry["snapshot"] == .bool(true) && entry["labels"] == .array(["deb"]))
            // Edit: renamed and moved from the pack to the schedule, which every host gets.
            let moved = try await query(with("name", "ports_all").map { $0.0 == "pack" ? ("pack", "") : $0 } + [("original_name", "listening"), ("original_pack", "ports")])
            #expect(moved.status == 303)
            let everyone = try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)"}"#)
            #expect(everyone.json?["schedule"]?["ports_all"]?["query"] == "SELECT port FROM listening_ports")
            #expect(everyone.json?["schedule"]?["ports_all"]?["snapshot"] == .bool(true))
            #expect(try await store.packs().first.map { $0.body.contains("listening") } == false)
            // A table only osquery has: saved, with the warning shown.
            let osqueryOnly = try await query([("name", "osq"), ("sql", "SELECT * FROM osquery_packs"), ("interval", "60"), ("type", "differential"), ("pack", "")])
            #expect(osqueryOnly.status == 200 && osqueryOnly.body.contains("Saved osq. Warning: no such table: osquery_packs"), "\(osqueryOnly.body)")
            let queries = try await browser.get("/queries").body
            #expect(queries.contains("ports_all") && queries.contains("differential") && queries.contains("/queries/edit?name=osq"))
            #expect(try await browser.post("/queries/delete", [("name", "osq"), ("pack", ""), ("csrf_token", csrf)]).status == 303)
            #expect(try await browser.post("/queries/delete", [("name", "osq"), ("pack", ""), ("csrf_token", csrf)]).status == 404)
            #expect(try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)"}"#).json?["schedule"]?["osq"] == nil)
            // Packs and labels go.
            #expect(try await browser.post("/packs/\(pack.id)", [("name", "ports2"), ("shard", "20"), ("csrf_token", csrf)]).status == 303)
            let renamed = try await store.packs().first
            #expect(renamed?.name == "ports2" && renamed?.labelIDs == [] && renamed?.body.contains("\"shard\":20") == true)
            #expect(try await browser.post("/packs/\(pack.id)/delete", [("csrf_token", csrf)]).status == 303)
            #expect(try await browser.post("/labels/\(deb.id)/delete", [("csrf_token", csrf)]).status == 303)
            #expect(try await store.packs().isEmpty)
            #expect(try await store.labels().map(\.name) == ["pets"])
        }
    }

    @Test(arguments: TestDatabase.all) func anObserverSeesTheListsButNoFormsAndChangesNothing(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, more in
            let store = server.fleet.store
            _ = try await store.createLabel(LabelRecord(name: "l1", query: "SELECT 1"), members: [])
            _ = try await store.createPack(PackRecord(name: "p1", body: #"{"queries":{"q1":{"query":"SELECT 1","interval":60}}}"#, labelIDs: []))
            try await browser.logIn("admin", try browser.adminPassword())
            let created = try await browser.post("/users", [("username", "obs"), ("role", "observer"), ("csrf_token", try #require(try await browser.get("/users").csrf))])
            let password = try #require(WebBrowser.Page.capture(#"id="new-password">([^<]+)<"#, in: created.body))
            let observer = try more()
            try await observer.logIn("obs", password)
            for path in ["/queries", "/packs", "/labels", "/performance"] {
                let page = try await observer.get(path)
                #expect(page.status == 200, "\(path)")
                #expect(!page.body.contains("method=\"post\" action=\"/queries") && !page.body.contains("action=\"/labels") && !page.body.contains("action=\"/packs"), "\(path) shows a form to an observer")
            }
            #expect(try await observer.get("/queries").body.contains("q1"))
            #expect(try await observer.get("/settings").status == 403)
            let csrf = try #require(try await observer.get("/").csrf)
            let label = try #require(try await store.labels().first), pack = try #require(try await store.packs().first)
            for (path, fields) in [("/queries", [("name", "x"), ("sql", "SELECT 1"), ("interval", "60"), ("type", "snapshot"), ("pack", "")]),
                                   ("/queries/delete", [("name", "q1"), ("pack", "p1")]), ("/labels", [("name", "x"), ("sql", "SELECT 1")]),
                                   ("/labels/\(label.id)", [("description", "x"), ("sql", "SELECT 2")]), ("/labels/\(label.id)/delete", []),
                                   ("/packs", [("name", "x")]), ("/packs/\(pack.id)", [("name", "x")]), ("/packs/\(pack.id)/delete", []),
                                   ("/settings/secrets", [("name", "x")]), ("/settings/tokens", [("name", "x"), ("token-role", "admin")]),
                                   ("/users/delete", [("username", "obs")]), ("/users/role", [("username", "obs"), ("role", "admin")])] {
                #expect(try await observer.post(path, fields + [("csrf_token", csrf)]).status == 403, "an observer's POST \(path)")
            }
            #expect(try await store.labels().map(\.query) == ["SELECT 1"])
            #expect(try await store.packs().map(\.name) == ["p1"])
            #expect(try await store.tokens().isEmpty)
            #expect(try await store.user(name: "obs")?.role == .observer)
            // The schema check itself reads nothing: an observer may ask it (with the CSRF token).
            let check = try await observer.post("/check", [("sql", "SELECT nope FROM processes"), ("csrf_token", csrf)])
            #expect(check.status == 200 && check.body.contains("no such column: nope"))
            #expect(try await observer.post("/check", [("sql", "SELECT 1")]).status == 403)
        }
    }
}

/// Settings: enroll secrets and API tokens (each shown once), users removed or promoted.
@Suite(.ownThread, .serialized) struct WebUISettingsTests {
    @Test(arguments: TestDatabase.all) func secretsTokensAndUsersAreManagedByAnAdmin(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, more in
            let store = server.fleet.store
            try await browser.logIn("admin", try browser.adminPassword())
            let settings = try await browser.get("/settings")
            let csrf = try #require(settings.csrf)
            // A new enroll secret: shown once, and a host enrolls with it.
            let added = try await browser.post("/settings/secrets", [("name", "<i>lab</i>"), ("csrf_token", csrf)])
            let secret = try #require(WebBrowser.Page.capture(#"id="new-secret">([^<]+)<"#, in: added.body))
            #expect(added.body.contains("&lt;i&gt;lab&lt;/i&gt;") && !added.body.contains("<i>lab"))
            #expect(try await store.enrollSecretIsValid(secret))
            #expect(!(try await browser.get("/settings").body.contains(secret)), "a secret is shown whole only when made")
            #expect(try await browser.post("/settings/secrets/revoke", [("secret_hash", Secrets.hash(secret)), ("csrf_token", csrf)]).status == 303)
            #expect(try await !store.enrollSecretIsValid(secret))
            #expect(try await browser.post("/settings/secrets/revoke", [("secret_hash", Secrets.hash(secret)), ("csrf_token", csrf)]).status == 404)
            // A token with the observer role: it reads the API and changes nothing; revoked, it is refused.
            #expect(try await browser.post("/settings/tokens", [("name", ""), ("token-role", "observer"), ("csrf_token", csrf)]).status == 400)
            let made = try await browser.post("/settings/tokens", [("name", "grafana"), ("token-role", "observer"), ("csrf_token", csrf)])
            let token = try #require(WebBrowser.Page.capture(#"id="new-secret">([^<]+)<"#, in: made.body))
            #expect(try await server.request("/api/v1/hosts", method: .GET, token: token).status == 200)
            #expect(try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 1"}"#, token: token).status == 403)
            let listed = try await store.tokens()
            #expect(listed.count == 1 && listed.first?.role == .observer && listed.first?.hash == Secrets.hash(token))
            #expect(!(try await browser.get("/settings").body.contains(token)))
            #expect(try await browser.post("/settings/tokens/revoke", [("token", Secrets.hash(token)), ("csrf_token", csrf)]).status == 303)
            #expect(try await server.request("/api/v1/hosts", method: .GET, token: token).status == 401)

            // Users: promoted (their session ends: they log in again as admins), removed.
            let users = try await browser.get("/users")
            let made2 = try await browser.post("/users", [("username", "ana"), ("role", "observer"), ("csrf_token", try #require(users.csrf))])
            let password = try #require(WebBrowser.Page.capture(#"id="new-password">([^<]+)<"#, in: made2.body))
            let ana = try more()
            try await ana.logIn("ana", password)
            #expect(try await ana.get("/").status == 200)
            #expect(try await browser.post("/users/role", [("username", "ana"), ("role", "admin"), ("csrf_token", csrf)]).status == 303)
            #expect(try await store.user(name: "ana")?.role == .admin)
            #expect(try await ana.get("/").status == 303, "the old session (an observer's) ended")
            try await ana.logIn("ana", password)
            let anaCSRF = try #require(try await ana.get("/users").csrf)
            // Nobody removes or demotes themselves, and the built-in admin stays.
            let own = try await ana.post("/users/delete", [("username", "ana"), ("csrf_token", anaCSRF)])
            #expect(own.status == 400 && own.body.contains("cannot remove or demote yourself"))
            #expect(try await ana.post("/users/role", [("username", "ana"), ("role", "observer"), ("csrf_token", anaCSRF)]).status == 400)
            #expect(try await ana.post("/users/delete", [("username", "admin"), ("csrf_token", anaCSRF)]).body.contains("built-in admin"))
            #expect(try await browser.post("/users/delete", [("username", "ana"), ("csrf_token", csrf)]).status == 303)
            #expect(try await store.user(name: "ana") == nil)
            #expect(try await ana.get("/").status == 303)
            #expect(try await browser.post("/users/delete", [("username", "ana"), ("csrf_token", csrf)]).status == 400)
        }
    }
}
