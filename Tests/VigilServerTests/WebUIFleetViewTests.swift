import Foundation
import SwiftProtobuf
import Testing
import VigilProfile
import VigilProfileFormats
@testable import VigilServer
import VigilServerStore
import VigilSystem
import VigilWire
import VigilTestSupport

/// The fleet-wide pages: query performance with its outliers and drill-down, the
/// dashboard's enrollments, losses and the server's own cost, the live query form's
/// schema check, and two profiles compared.
@Suite(.ownThread, .serialized) struct WebUIFleetViewTests {
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    @Test(arguments: TestDatabase.all) func queryPerformanceShowsPercentilesMarksOutliersAndDrillsDown(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, _ in
            let store = server.fleet.store
            // Ten hosts: "steady" costs 5 ms a run everywhere; "spiky" 2 ms on nine hosts, 400 ms on one.
            for i in 0..<10 {
                let h = try await store.enroll(HostRecord(hostIdentifier: "perf-\(i)", hostname: i == 9 ? "<b>slow</b>" : "perf-\(i)", enrolledAt: 1, lastSeen: Self.now()), nodeKeyHash: "pk\(i)")
                let steady = HostQueryStats(name: "steady", query: "SELECT 1", executions: 10, wallTimeMs: 50, userTimeMs: 40, outputSize: 1000)
                let spiky = HostQueryStats(name: "spiky", query: "SELECT 2", executions: 10, wallTimeMs: i == 9 ? 4000 : 20, userTimeMs: i == 9 ? 3000 : 10,
                                           averageMemory: 1 << 20, denylisted: false)
                try await store.storeTelemetry(hostID: h.id, points: [], schedule: [steady, spiky], watchdog: [], events: "[]", outputs: "[]", at: 1)
            }
            try await browser.logIn("admin", try browser.adminPassword())
            let page = try await browser.get("/performance")
            #expect(page.status == 200)
            let spikyRow = try #require(WebBrowser.Page.capture(#"(<tr[^>]*data-query="spiky">.*?</tr>)"#, in: page.body))
            #expect(spikyRow.contains("class=\"outlier\""), "\(spikyRow)")
            // p50 2 ms, p95 and p99 the one slow host's 400 ms (nearest rank of ten), marked.
            #expect(spikyRow.contains(">2.0 ms<") && spikyRow.contains("<td class=\"num bad\" title=\"over 5× the median; max 400.0 ms\">400.0 ms</td>"), "\(spikyRow)")
            let steadyRow = try #require(WebBrowser.Page.capture(#"(<tr[^>]*data-query="steady">.*?</tr>)"#, in: page.body))
            #expect(!steadyRow.contains("outlier") && steadyRow.contains(">5.0 ms<") && steadyRow.contains(">100 B<"))
            // Costliest total CPU first: spiky (3,090 ms) before steady (400 ms).
            #expect(page.body.range(of: "data-query=\"spiky\"")!.lowerBound < page.body.range(of: "data-query=\"steady\"")!.lowerBound)
            // Drill down: the slow host first, its name as text.
            let hosts = try await browser.get("/performance/query?name=spiky")
            #expect(hosts.status == 200 && hosts.body.contains("Where spiky costs most"))
            let first = try #require(WebBrowser.Page.capture(#"<tbody><tr><td><a href="/hosts/\d+">([^<]*)</a>"#, in: hosts.body))
            #expect(first == "&lt;b&gt;slow&lt;/b&gt;")
            #expect(try await browser.get("/performance/query?name=spiky&order=memory").status == 200)
            #expect(try await browser.get("/performance/query?name=nothing").status == 404)
        }
    }

    @Test(arguments: TestDatabase.all) func theDashboardChartsEnrollmentsLossesAndTheServersOwnCost(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, _ in
            let store = server.fleet.store
            let now = Self.now()
            for (i, days) in [20, 10, 10, 1].enumerated() {
                _ = try await store.enroll(HostRecord(hostIdentifier: "e\(i)", hostname: "e\(i)", enrolledAt: now - Int64(days) * 86_400, lastSeen: now), nodeKeyHash: "ek\(i)")
            }
            let lossy = try #require(try await store.hostIDs(identifiers: ["e1"]).first)
            try await store.storeTelemetry(hostID: lossy, points: [], schedule: [], watchdog: [],
                                           events: #"[{"name":"process_events","lost_in_kernel":"7","dropped_overflow":"3","expired":"100"}]"#,
                                           outputs: #"[{"name":"tcp","dropped_records":"5"},{"name":"syslog","dropped_records":"0"}]"#, at: now)
            // The server's samples, as its monitor stores them, under its own name.
            let name = server.fleet.serverName
            for k in 0..<6 { try await store.storeServerSample(server: name, time: now - 60 + Int64(k) * 10, cpuPercent: Double(k), residentBytes: 64 << 20, keepSeconds: 86_400) }
            try await store.storeServerSample(server: "other:1", time: now - 5, cpuPercent: 99, residentBytes: 1 << 30, keepSeconds: 86_400)
            try await browser.logIn("admin", try browser.adminPassword())
            let page = try await browser.get("/").body
            #expect(page.contains("aria-label=\"Hosts enrolled: 4 points, latest 4, peak 4\""), "three days with enrollments, and now")
            // A count's axis is marked in whole hosts: 0, 2 and 4 (never "0.50 hosts").
            let enrolledChart = try #require(page.range(of: "Hosts enrolled: 4 points").map { String(page[$0.lowerBound...].prefix(2000)) })
            #expect(["0 hosts", "2 hosts", "4 hosts"].allSatisfy { enrolledChart.contains(">\($0)</text>") }, "\(enrolledChart)")
            #expect(page.contains("Events lost (kernel ring buffer full, or store full): 10; result records dropped by outputs: 5"))
            #expect(page.contains("<td class=\"num bad\">10</td><td class=\"num bad\">5</td>"))
            // Only this server's samples (its monitor may have added one of its own by now).
            let drawn = Int(try #require(WebBrowser.Page.capture(#"Server CPU \(% of one core\): (\d+) points"#, in: page))) ?? 0
            #expect((6...7).contains(drawn))
            #expect(page.contains("Server memory (resident, MiB): \(drawn) points") && !page.contains("99.00 %") && !page.contains("1024.00 MiB"))
            // A forgotten host leaves the enrollments and the losses (the page's copy is a minute old at most).
            #expect(try await store.deleteHost(id: lossy))
            let losses = try await store.losses(limit: 10)
            #expect(losses.eventsLost == 0 && losses.outputsDropped == 0 && losses.hosts.isEmpty)
            let enrolled = try await store.enrollments(since: now - 30 * 86_400, bucketSeconds: 86_400)
            #expect(enrolled.before == 0 && enrolled.buckets.map(\.hosts) == [1, 1, 1])
            // The monitor's reading of /proc/self.
            let sample = try #require(ServerMonitor.sample())
            #expect(sample.resident > 1 << 20 && sample.ticks >= 0)
        }
    }

    @Test(arguments: TestDatabase.all) func theLiveFormAndTheEditorCheckSQLAgainstTheSchemas(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, _ in
            _ = try await server.enrollOsquery("check-1")
            try await browser.logIn("admin", try browser.adminPassword())
            let form = try await browser.get("/live")
            #expect(form.body.contains("<script src=\"/static/sql.js\" defer></script>") && form.body.contains("id=\"sql-check\""))
            let csrf = try #require(form.csrf)
            let refused = try await browser.post("/live", [("sql", "SELECT pid, nmae FROM processes"), ("hosts", "check-1"), ("csrf_token", csrf)])
            #expect(refused.status == 400 && refused.body.contains("no such column: nmae; did you mean name") && refused.body.contains("(at byte 12)"), "\(WebBrowser.Page.capture(#"role="alert">([^<]*)"#, in: refused.body) ?? "")")
            #expect(try await server.fleet.store.recentCampaigns(limit: 5).isEmpty)
            // The editor's check: errors, warnings, and the byte the error points at.
            let error = try await browser.post("/check", [("sql", "SELECT * FROM processes WHERE"), ("csrf_token", csrf)])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(error.body.utf8)) as? [String: Any])
            #expect(json["ok"] as? Bool == false && (json["errors"] as? [String])?.first?.contains("incomplete input (at byte") == true, "\(error.body)")
            let warning = try await browser.post("/check", [("sql", "SELECT * FROM process_events; SELECT * FROM osquery_packs"), ("csrf_token", csrf)])
            #expect(warning.body.contains("\"ok\":true"))
            #expect(!warning.body.contains("process_events"), "the Vigil agent's own tables are known")
            let osquery = try await browser.post("/check", [("sql", "SELECT * FROM osquery_packs"), ("csrf_token", csrf)])
            #expect(osquery.body.contains("no such table: osquery_packs"))
            #expect(try await browser.post("/check", [("sql", "SELECT name FROM processes"), ("csrf_token", csrf)]).body.contains("\"errors\":[]"))
            // The same check through the REST API.
            let api = try await server.request("/api/v1/queries/check", json: #"{"sql":"SELECT nmae FROM processes"}"#, token: try await server.adminToken())
            #expect(api.json?["ok"] == .bool(false))
            #expect(try await browser.get("/static/sql.js").headers.first(name: "Content-Type") == "text/javascript; charset=utf-8")
        }
    }

    /// A pprof of `stacks` (root first, each with its sample count), gzip'd as agents send it.
    static func pprof(_ stacks: [([String], Int64)]) throws -> [UInt8] {
        var p = Perftools_Profiles_Profile()
        var type = Perftools_Profiles_ValueType()
        type.type = p.string("samples")
        type.unit = p.string("count")
        p.sampleType = [type]
        for (frames, count) in stacks {
            var sample = Perftools_Profiles_Sample()
            sample.locationID = frames.reversed().map { p.location($0) }
            sample.value = [count]
            p.sample.append(sample)
        }
        return try Gzip.compress(try p.serializedBytes())
    }

    @Test(arguments: TestDatabase.all) func twoProfilesOfOneHostAreComparedFunctionByFunction(_ database: TestDatabase) async throws {
        try await WebUITests.with(database) { server, browser, _ in
            let store = server.fleet.store
            let host = try await store.enroll(HostRecord(hostIdentifier: "prof-1", hostname: "prof-1", agent: "vigil", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "pk")
            let other = try await store.enroll(HostRecord(hostIdentifier: "prof-2", hostname: "prof-2", agent: "vigil", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "pk2")
            // Before: main → parse 60, main → <script>render 40. After: parse 20, render 80 (of twice the samples).
            let before = try await store.storeContinuousProfile(hostID: host.id, pprof: try Self.pprof([(["main", "parse"], 60), (["main", "<script>render"], 40)]), seconds: 30, at: Self.now() - 20)
            let after = try await store.storeContinuousProfile(hostID: host.id, pprof: try Self.pprof([(["main", "parse"], 40), (["main", "<script>render"], 160)]), seconds: 30, at: Self.now() - 10)
            let elsewhere = try await store.storeContinuousProfile(hostID: other.id, pprof: try Self.pprof([(["main"], 1)]), seconds: 30, at: Self.now())
            try await browser.logIn("admin", try browser.adminPassword())
            let hostPage = try await browser.get("/hosts/\(host.id)")
            #expect(hostPage.body.contains("action=\"/profiles/compare\"") && hostPage.body.contains("<label for=\"before\">Before</label>"))
            let page = try await browser.get("/profiles/compare?before=\(before)&after=\(after)")
            #expect(page.status == 200, "\(page.body)")
            // Shares: render 40 % → 80 % (+40 points), parse 60 % → 20 % (−40); main 100 % both.
            let rows = page.body.components(separatedBy: "<tr class=").dropFirst().map { String($0.prefix(400)) }
            #expect(rows.count == 3)
            #expect(rows.first?.contains("&lt;script&gt;render") == true && rows.first?.hasPrefix("\"grew\"") == true, "\(rows)")
            #expect(rows.first?.contains("40.00 %") == true && rows.first?.contains("80.00 %") == true && rows.first?.contains("+40.00") == true)
            #expect(rows.dropFirst().first?.hasPrefix("\"shrank\"") == true && rows.dropFirst().first?.contains("−40.00") == true)
            #expect(!page.body.contains("<script>render"))
            #expect(try await browser.get("/profiles/compare?before=\(before)&after=\(elsewhere)").status == 400)
            #expect(try await browser.get("/profiles/compare?before=\(before)&after=99999").status == 404)
            #expect(try await browser.get("/profiles/compare?before=x").status == 400)
        }
    }
}
