import Foundation
import Testing
import VigilServer
import VigilServerStore
import VigilWire
import VigilTestSupport

/// The web UI in-process over real TLS: sessions, CSRF, roles, headers, and host data
/// shown as text on every page. One test at a time: each starts a server (on PostgreSQL,
/// a pool of connections to the suite's one cluster), and twenty at once beside the rest
/// of a full run was more than a loaded machine and the cluster's connections took.
@Suite(.ownThread, .serialized) struct WebUITests {
    static let hostile = "<img src=x onerror=alert(1)>"
    static let escaped = "&lt;img src=x onerror=alert(1)&gt;"

    /// Run `body` with a fresh server and a browser; `more()` makes another browser.
    /// Every browser's client is shut down afterwards, whatever happens.
    static func with(_ database: TestDatabase, _ configure: (inout FleetServerConfiguration) -> Void = { _ in },
                     _ body: (TestServer, WebBrowser, _ more: () throws -> WebBrowser) async throws -> Void) async throws {
        try await TestServer.with(database, configure) { server in
            var browsers = [try WebBrowser(server)]
            let more = { () throws -> WebBrowser in
                let b = try WebBrowser(server)
                browsers.append(b)
                return b
            }
            do { try await body(server, browsers[0], more) } catch {
                for b in browsers { await b.close() }
                throw error
            }
            for b in browsers { await b.close() }
        }
    }

    @Test(arguments: TestDatabase.all) func logInSetsASecureHttpOnlyStrictCookieStoredOnlyAsAHash(_ database: TestDatabase) async throws {
        try await Self.with(database) { server, browser, more in
            for path in ["/", "/hosts", "/hosts/1", "/live", "/live/1", "/users", "/live/1/results.csv"] {
                let page = try await browser.get(path)
                #expect(page.status == 303 && page.location == "/login", "\(path) answered \(page.status) without a session")
            }
            // A change without a session is refused outright, and the REST API wants its token.
            for path in ["/live", "/users", "/hosts/1/query", "/hosts/1/profile", "/logout"] {
                #expect(try await browser.post(path, [("sql", "SELECT 1"), ("csrf_token", "x")]).status == 403, "\(path)")
            }
            #expect(try await browser.get("/api/v1/hosts").status == 401)
            #expect(try await browser.logIn("admin", "wrong").status == 401)
            #expect(try await browser.logIn("nobody", try browser.adminPassword()).status == 401)
            let reply = try await browser.logIn("admin", try browser.adminPassword())
            #expect(reply.status == 303 && reply.location == "/")
            let cookie = try #require(reply.headers[canonicalForm: "Set-Cookie"].first { $0.hasPrefix("vigil_session=") })
            let attributes = Set(cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(attributes.contains("HttpOnly") && attributes.contains("Secure") && attributes.contains("SameSite=Strict"), "\(cookie)")
            let key = try #require(browser.cookies["vigil_session"])
            #expect(try await server.fleet.store.session(hash: Secrets.hash(key), now: 0) != nil)
            #expect(try await server.fleet.store.session(hash: key, now: 0) == nil, "the session key itself is stored")
            let dashboard = try await browser.get("/")
            #expect(dashboard.status == 200 && dashboard.body.contains("<h1>Dashboard</h1>"))
            // Log out: the session is gone from the store, not only from the browser.
            let out = try await browser.post("/logout", [("csrf_token", try #require(dashboard.csrf))])
            #expect(out.status == 303 && out.location == "/login")
            #expect(try await server.fleet.store.session(hash: Secrets.hash(key), now: 0) == nil)
            browser.cookies["vigil_session"] = key
            #expect(try await browser.get("/").status == 303)
        }
    }

    @Test(arguments: TestDatabase.all) func aFormPostedWithoutItsCSRFTokenIsRefused(_ database: TestDatabase) async throws {
        try await Self.with(database) { server, browser, more in
            _ = try await server.enrollOsquery("web-1")
            // The login form's own token.
            _ = try await browser.get("/login")
            #expect(try await browser.post("/login", [("username", "admin"), ("password", try browser.adminPassword())]).status == 403)
            try await browser.logIn("admin", try browser.adminPassword())
            let csrf = try #require(try await browser.get("/live").csrf)
            let fields = [("sql", "SELECT 1"), ("hosts", "web-1")]
            #expect(try await browser.post("/live", fields).status == 403)
            #expect(try await browser.post("/live", fields + [("csrf_token", String(repeating: "0", count: 64))]).status == 403)
            #expect(try await browser.post("/logout", []).status == 403)
            #expect(try await server.fleet.store.recentCampaigns(limit: 10).isEmpty)
            let started = try await browser.post("/live", fields + [("csrf_token", csrf)])
            #expect(started.status == 303 && started.location?.hasPrefix("/live/") == true)
            #expect(try await server.fleet.store.recentCampaigns(limit: 10).count == 1)
            // Another browser's token is not this one's.
            let other = try more()
            try await other.logIn("admin", try other.adminPassword())
            let otherToken = try #require(try await other.get("/live").csrf)
            #expect(otherToken != csrf)
            #expect(try await browser.post("/live", fields + [("csrf_token", otherToken)]).status == 403)
        }
    }

    @Test(arguments: TestDatabase.all) func anObserverCanLookButNotChangeAnything(_ database: TestDatabase) async throws {
        try await Self.with(database) { server, browser, more in
            _ = try await server.enrollOsquery("web-2")
            try await browser.logIn("admin", try browser.adminPassword())
            let usersPage = try await browser.get("/users")
            let created = try await browser.post("/users", [("username", "olga"), ("role", "observer"), ("csrf_token", try #require(usersPage.csrf))])
            #expect(created.status == 200)
            let password = try #require(WebBrowser.Page.capture(#"id="new-password">([^<]+)<"#, in: created.body))
            // The same name again is refused, and "admin" is the built-in one.
            #expect(try await browser.post("/users", [("username", "olga"), ("role", "admin"), ("csrf_token", usersPage.csrf!)]).status == 400)
            #expect(try await browser.post("/users", [("username", "admin"), ("role", "observer"), ("csrf_token", usersPage.csrf!)]).status == 400)

            let observer = try more()
            #expect(try await observer.logIn("olga", password).status == 303)
            let dashboard = try await observer.get("/")
            #expect(dashboard.status == 200 && dashboard.body.contains("olga (observer)"))
            let hostID = try #require(try await server.fleet.store.hostIDs(identifiers: ["web-2"]).first)
            let hostPage = try await observer.get("/hosts/\(hostID)")
            #expect(hostPage.status == 200 && hostPage.body.contains("Observers cannot run queries"))
            #expect(!hostPage.body.contains("action=\"/hosts/\(hostID)/query\""))
            let csrf = try #require(dashboard.csrf)
            for (path, fields) in [("/live", [("sql", "SELECT 1"), ("hosts", "web-2")]), ("/hosts/\(hostID)/query", [("sql", "SELECT 1")]),
                                   ("/hosts/\(hostID)/profile", []), ("/users", [("username", "eve"), ("role", "admin")])] {
                let reply = try await observer.post(path, fields + [("csrf_token", csrf)])
                #expect(reply.status == 403, "an observer's POST \(path) answered \(reply.status)")
            }
            #expect(try await observer.get("/users").status == 403)
            #expect(try await server.fleet.store.recentCampaigns(limit: 10).isEmpty)
            #expect(try await server.fleet.store.user(name: "eve") == nil)
            // The observer's session reads the API's event stream (the campaign page's script) but changes nothing there.
            #expect(try await observer.get("/api/v1/hosts").status == 200)
            #expect(try await observer.post("/api/v1/queries/run", [("sql", "SELECT 1")]).status == 401)
        }
    }

    @Test(arguments: TestDatabase.all) func everyPageCarriesTheSecurityHeaders(_ database: TestDatabase) async throws {
        try await Self.with(database) { server, browser, more in
            _ = try await server.enrollOsquery("web-3")
            try await browser.logIn("admin", try browser.adminPassword())
            let campaign = try await browser.post("/live", [("sql", "SELECT 1"), ("hosts", "web-3"), ("csrf_token", try #require(try await browser.get("/live").csrf))])
            let live = try #require(campaign.location)
            for path in ["/", "/hosts", "/hosts?q=web&status=online&sort=last_seen&order=desc", "/hosts/1", "/hosts/999", "/live", live,
                         live + "/results.csv", live + "/results.json", "/users", "/static/vigil.css", "/static/live.js", "/login"] {
                let page = try await browser.get(path)
                #expect([200, 404].contains(page.status), "\(path): \(page.status)")
                let csp = page.headers.first(name: "Content-Security-Policy") ?? ""
                #expect(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "\(path): CSP '\(csp)'")
                #expect(page.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
            }
            // No inline script anywhere: every script element has a src.
            let page = try await browser.get(live)
            #expect(page.body.contains("<script src=\"/static/live.js\" defer></script>"))
            #expect(!page.body.contains("<script>"))
        }
    }

    /// A host named with markup, its watchdog events, and its live query rows: text on
    /// every page, never markup.
    @Test(arguments: TestDatabase.all) func markupFromHostsIsShownAsText(_ database: TestDatabase) async throws {
        try await Self.with(database) { server, browser, more in
            _ = try await server.enrollOsquery(Self.hostile)
            let store = server.fleet.store
            let id = try #require(try await store.hostIDs(identifiers: [Self.hostile]).first)
            try await store.storeTelemetry(hostID: id, points: [], schedule: [HostQueryStats(name: "<b>q</b>", query: "SELECT '<i>'", executions: 1, userTimeMs: 5)],
                                           watchdog: [#"{"reason":"<script>alert(2)</script>"}"#], events: "[]", outputs: "[]", at: Int64(Date().timeIntervalSince1970))
            try await browser.logIn("admin", try browser.adminPassword())
            let started = try await browser.post("/live", [("sql", "SELECT name FROM processes"), ("hosts", Self.hostile),
                                                          ("csrf_token", try #require(try await browser.get("/live").csrf))])
            let live = try #require(started.location)
            let campaign = try #require(Int64(live.split(separator: "/").last ?? ""))
            _ = try await store.takePendingQueries(hostID: id, at: 0)
            #expect(try await store.recordAnswer(campaignID: campaign, hostID: id, rows: [#"{"name":"<script>alert(3)</script>"}"#], error: nil, at: 0))
            for path in ["/", "/hosts", "/hosts?q=img", "/hosts/\(id)", live, "/live"] {
                let page = try await browser.get(path)
                #expect(page.status == 200, "\(path)")
                #expect(!page.body.contains("<img") && !page.body.contains("<script>") && !page.body.contains("<b>q"), "\(path) carries raw markup")
                if path != live && path != "/live" { #expect(page.body.contains(Self.escaped), "\(path) does not show the host name") }
            }
            #expect(try await browser.get(live).body.contains("&lt;script&gt;alert(3)&lt;/script&gt;"))
            #expect(try await browser.get("/").body.contains("&lt;script&gt;alert(2)&lt;/script&gt;"))
            #expect(try await browser.get("/hosts/\(id)").body.contains("&lt;b&gt;q&lt;/b&gt;"))
            let csv = try await browser.get(live + "/results.csv")
            #expect(csv.headers.first(name: "Content-Type")?.hasPrefix("text/csv") == true)
            #expect(csv.body.contains("<script>alert(3)</script>"), "the export keeps the data as it came")
        }
    }

    @Test(arguments: TestDatabase.all) func theHostPageDrawsTheAgentsTelemetryAsAChart(_ database: TestDatabase) async throws {
        try await Self.with(database) { server, browser, more in
            _ = try await server.enrollOsquery("chart-1")
            let store = server.fleet.store
            let id = try #require(try await store.hostIDs(identifiers: ["chart-1"]).first)
            let now = Int64(Date().timeIntervalSince1970)
            let points = (0..<30).map { i in TelemetryPoint(time: now - 300 + Int64(i) * 10, cpuPercent: Double(i % 5), residentBytes: 40 << 20, threads: 9, queriesRun: 0) }
            try await store.storeTelemetry(hostID: id, points: points, schedule: [], watchdog: [], events: "[]", outputs: "[]", at: now)
            try await browser.logIn("admin", try browser.adminPassword())
            let page = try await browser.get("/hosts/\(id)")
            #expect(page.body.contains("data-points=\"30\""))
            let line = try #require(WebBrowser.Page.capture(#"<polyline class="line" points="([^"]+)""#, in: page.body))
            #expect(line.split(separator: " ").count == 30)
            // The y axis tops at a round number over the peak (4 %): 5 %.
            #expect(page.body.contains(">5%</text>"))
            #expect(page.body.contains("CPU (% of one core): 30 points, latest 4.00 %, peak 4.00 %"))
        }
    }

    /// A day of 10 s points drawn as at most 360 averages, in one unbroken line; an
    /// hour's gap in the middle breaks it in two.
    @Test(arguments: TestDatabase.all) func theHostPageDrawsADayAsAveragesAndShowsGaps(_ database: TestDatabase) async throws {
        try await Self.with(database) { server, browser, _ in
            _ = try await server.enrollOsquery("chart-2")
            let store = server.fleet.store
            let id = try #require(try await store.hostIDs(identifiers: ["chart-2"]).first)
            let now = Int64(Date().timeIntervalSince1970)
            let points = stride(from: now - 86_000, to: now, by: 10).enumerated().filter { $0.element < now - 50_000 || $0.element > now - 46_000 }.map {
                TelemetryPoint(time: $0.element, cpuPercent: $0.offset % 2 == 0 ? 1 : 3, residentBytes: 40 << 20, threads: 9, queriesRun: 0)
            }
            try await store.storeTelemetry(hostID: id, points: points, schedule: [], watchdog: [], events: "[]", outputs: "[]", at: now)
            try await browser.logIn("admin", try browser.adminPassword())
            let day = try await browser.get("/hosts/\(id)?range=24h").body
            let drawn = Int(try #require(WebBrowser.Page.capture(#"data-points="(\d+)""#, in: day))) ?? 0
            #expect((300...360).contains(drawn), "\(drawn) points drawn")
            #expect(day.components(separatedBy: "<polyline class=\"line\"").count - 1 == 4, "two lines per chart, broken at the gap")
            // Averages of 1 and 3 alternating are about 2 (y 97.6 on an axis to 5 %); only a
            // span at an edge of the gap may hold a single raw point (1 at y 126.8, 3 at y 68.4).
            let line = try #require(WebBrowser.Page.capture(#"<polyline class="line" points="([^"]+)""#, in: day))
            let ys = line.split(separator: " ").compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
            #expect(ys.filter { abs($0 - 97.6) < 3 }.count >= ys.count - 2, "\(ys)")
            #expect(day.contains(">−24 h</text>") && day.contains("<strong aria-current=\"page\">last 24 hours</strong>"))
            let hour = try await browser.get("/hosts/\(id)").body
            #expect(hour.contains("data-points=\"360\"") || hour.contains("data-points=\"359\""))
        }
    }

    @Test(arguments: TestDatabase.all) func theHostsPageFiltersSortsAndPagesInTheStore(_ database: TestDatabase) async throws {
        try await Self.with(database) { server, browser, more in
            let store = server.fleet.store
            let now = Int64(Date().timeIntervalSince1970)
            for i in 0..<60 {
                _ = try await store.enroll(HostRecord(hostIdentifier: String(format: "node-%02d", i), hostname: String(format: "node-%02d", i),
                                                      osName: i % 6 == 0 ? "Alpine Linux" : "Debian GNU/Linux",
                                                      enrolledAt: now, lastSeen: i < 45 ? now : now - 3600), nodeKeyHash: "k\(i)")
            }
            _ = try await store.createLabel(LabelRecord(name: "odd"), members: try await store.hostIDs(identifiers: (0..<60).filter { $0 % 2 == 1 }.map { String(format: "node-%02d", $0) }))
            try await browser.logIn("admin", try browser.adminPassword())
            func names(_ path: String) async throws -> [String] {
                let body = try await browser.get(path).body
                let regex = try NSRegularExpression(pattern: #"<a href="/hosts/\d+">(node-\d+)</a>"#)
                return regex.matches(in: body, range: NSRange(body.startIndex..., in: body)).compactMap { Range($0.range(at: 1), in: body).map { String(body[$0]) } }
            }
            #expect(try await names("/hosts") == (0..<50).map { String(format: "node-%02d", $0) })
            #expect(try await names("/hosts?page=1") == (50..<60).map { String(format: "node-%02d", $0) })
            #expect(try await browser.get("/hosts").body.contains("Hosts 1–50 of 60"))
            #expect(try await names("/hosts?order=desc").first == "node-59")
            #expect(try await names("/hosts?status=offline") == (45..<60).map { String(format: "node-%02d", $0) })
            #expect(try await names("/hosts?status=online").count == 45)
            #expect(try await names("/hosts?q=node-1") == (10..<20).map { String(format: "node-%02d", $0) })
            #expect(try await names("/hosts?q=+node-1+") == [], "a search keeps its spaces, as a browser's form sends them")
            #expect(try await names("/hosts?q=NODE-1") == (10..<20).map { String(format: "node-%02d", $0) }, "a search ignores case on both engines")
            #expect(try await names("/hosts?label=odd&status=offline") == [45, 47, 49, 51, 53, 55, 57, 59].map { String(format: "node-%02d", $0) })
            #expect(try await names("/hosts?sort=last_seen&order=asc").prefix(2) == ["node-45", "node-46"])
            #expect(try await names("/hosts?os=Alpine+Linux&status=online") == stride(from: 0, to: 45, by: 6).map { String(format: "node-%02d", $0) })
            #expect(try await browser.get("/hosts").body.contains("<option value=\"Alpine Linux\">Alpine Linux (10)</option>"))
            // The dashboard counts the same way.
            let dashboard = try await browser.get("/").body
            #expect(dashboard.contains("<span class=\"count\">45</span><span>Online</span>"))
            #expect(dashboard.contains("<span class=\"count\">15</span><span>Offline</span>"))
        }
    }
}

/// "Profile this agent for 30 s": the request the agent picks up, and the upload listed
/// with its pprof download.
@Suite(.ownThread, .serialized) struct WebUIProfileTests {
    @Test(arguments: TestDatabase.all) func anAdminAsksForAProfileAndDownloadsItsPprof(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, _ in
            let store = server.fleet.store
            let host = try await store.enroll(HostRecord(hostIdentifier: "agent-1", hostname: "agent-1", agent: "vigil", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "k")
            let osquery = try await store.enroll(HostRecord(hostIdentifier: "osq-1", hostname: "osq-1", agent: "osquery", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "k2")
            try await browser.logIn("admin", try browser.adminPassword())
            let page = try await browser.get("/hosts/\(host.id)")
            #expect(page.body.contains("Profile this agent for 30 s") && page.body.contains("No profiles yet."))
            let asked = try await browser.post("/hosts/\(host.id)/profile", [("csrf_token", try #require(page.csrf))])
            #expect(asked.status == 303 && asked.location == "/hosts/\(host.id)#profiles")
            let requests = try await store.takeProfileRequests(hostID: host.id)
            #expect(requests.count == 1 && requests.first?.seconds == 30)
            // The agent's upload (a gzip pprof), then the page lists it with its download.
            let pprof: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            let id = try #require(requests.first?.id)
            #expect(try await store.storeProfile(id: id, hostID: host.id, pprof: pprof, report: nil, samples: 42, error: nil, at: 2))
            let listed = try await browser.get("/hosts/\(host.id)")
            #expect(listed.body.contains("<a href=\"/profiles/\(id)/pprof\" download>pprof</a>"))
            #expect(listed.body.contains("<img src=\"/api/v1/profiles/\(id)/svg\""))
            #expect(listed.body.contains(">42</td>"))
            let download = try await browser.get("/profiles/\(id)/pprof")
            #expect(download.status == 200 && Array(download.body.utf8.prefix(1)) == [0x1f])
            #expect(download.headers.first(name: "Content-Disposition")?.contains("attachment") == true)
            // An osquery host cannot be asked: the page says why, and the store holds no request.
            let refused = try await browser.post("/hosts/\(osquery.id)/profile", [("csrf_token", try #require(page.csrf))])
            #expect(refused.status == 400 && refused.body.contains("cannot profile itself"))
            #expect(try await store.profiles(hostID: osquery.id).isEmpty)
        }
    }
}

/// The campaign page's data paths: the API's event stream read with the session cookie
/// from a given row on, and the exports.
@Suite(.ownThread, .serialized) struct WebUILiveQueryTests {
    @Test(arguments: TestDatabase.all) func theStreamFollowsFromTheLastRowThePageShowsAndExportsKeepEveryRow(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, _ in
            _ = try await server.enrollOsquery("live-1")
            let store = server.fleet.store
            let host = try #require(try await store.hostIDs(identifiers: ["live-1"]).first)
            try await browser.logIn("admin", try browser.adminPassword())
            let started = try await browser.post("/live", [("sql", "SELECT 1"), ("hosts", "live-1"), ("csrf_token", try #require(try await browser.get("/live").csrf))])
            let location = try #require(started.location)
            let campaign = try #require(Int64(location.split(separator: "/").last ?? ""))
            // Before the answer: the page says the stream is open and shows no rows yet.
            let waiting = try await browser.get("/live/\(campaign)")
            #expect(waiting.body.contains("data-after=\"0\"") && waiting.body.contains("data-stream=\"open\""))
            _ = try await store.takePendingQueries(hostID: host, at: 0)
            let rows = [#"{"a":"=1+2","b":"x,y"}"#, #"{"a":"-3","b":"say \"hi\""}"#]
            #expect(try await store.recordAnswer(campaignID: campaign, hostID: host, rows: rows, error: nil, at: 0))
            let first = try #require(try await store.campaignRows(id: campaign, after: 0, limit: 1).first?.id)
            // The stream, with the cookie (no token): only the row after `after`, then done.
            let stream = try await browser.get("/api/v1/queries/run/\(campaign)/stream?after=\(first)")
            #expect(stream.status == 200 && stream.headers.first(name: "Content-Type") == "text/event-stream")
            #expect(stream.body.components(separatedBy: "event: row").count - 1 == 1)
            #expect(stream.body.contains("say \\\"hi\\\"") && !stream.body.contains("=1+2"))
            #expect(stream.body.contains("event: done"))
            // Without the cookie the stream is refused.
            browser.cookies = [:]
            #expect(try await browser.get("/api/v1/queries/run/\(campaign)/stream").status == 401)
            try await browser.logIn("admin", try browser.adminPassword())
            // CSV: quoted where needed, and a formula-like text cell defused (a number is not).
            let csv = try await browser.get("/live/\(campaign)/results.csv").body
            #expect(csv == "host_identifier,a,b\r\nlive-1,'=1+2,\"x,y\"\r\nlive-1,-3,\"say \"\"hi\"\"\"\r\n", "\(csv)")
            let json = try await browser.get("/live/\(campaign)/results.json")
            let objects = try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [[String: String]]
            #expect(objects?.count == 2 && objects?.first?["a"] == "=1+2" && objects?.first?["host_identifier"] == "live-1")
            let done = try await browser.get("/live/\(campaign)")
            #expect(done.body.contains("data-stream=\"done\"") && done.body.contains("data-after=\"\(first + 1)\""))
        }
    }
}
