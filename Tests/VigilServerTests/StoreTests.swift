import Foundation
import Logging
import Testing
@testable import VigilServerStore
import VigilSQL
import VigilTestSupport

/// The store itself on both engines, call by call: what one engine stores, the other
/// must store the same way (the server above it cannot tell them apart).
@Suite(.ownThread) struct StoreTests {
    static func open(_ database: TestDatabase, in dir: String) async throws -> SQLServerStore {
        if let url = try await database.url() { return try await .postgres(url, logger: Logger(label: "test.store")) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return try .sqlite(path: dir + "/server.db")
    }

    /// On the test servers' executor, not Swift's cooperative pool, which the suite's
    /// synchronous tests (waiting on processes) hold in a full parallel run.
    static func with(_ database: TestDatabase, _ body: (SQLServerStore) async throws -> Void) async throws {
        try await withTaskExecutorPreference(TestServer.executor) {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-store-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let store = try await open(database, in: dir)
            do { try await body(store) } catch {
                await store.shutdown()
                throw error
            }
            await store.shutdown()
        }
    }

    @Test func bothSchemasHaveTheSameTablesAndColumns() async throws {
        try #require(TestPostgres.available, "PostgreSQL is not installed")
        func columns(_ store: SQLServerStore, _ sql: String) async throws -> Set<String> {
            Set(try await store.engine.read { db in try await db.rows(sql).map { "\($0[0].text ?? "").\($0[1].text ?? "")" } })
        }
        var sqlite: Set<String> = [], postgres: Set<String> = []
        try await Self.with(.sqlite) { store in
            sqlite = try await columns(store, """
                SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
                WHERE m.type = 'table' AND m.name NOT LIKE 'host\\_search%' ESCAPE '\\'
                """)
            // host_search (FTS5 and its shadow tables) is SQLite's index for host search; PostgreSQL's is a table with a pg_trgm index.
        }
        try await Self.with(.postgres) { store in
            postgres = try await columns(store, """
                SELECT table_name::text, column_name::text FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name NOT IN ('vigil_schema', 'host_search')
                """)
        }
        #expect(sqlite.count > 80)
        // PostgreSQL keeps a result line's uniqueness on its MD5 (B-tree entries are limited in size).
        #expect(postgres.subtracting(["logs.line_md5"]) == sqlite.subtracting(["logs.line_key"]), "only in SQLite: \(sqlite.subtracting(postgres).sorted()); only in PostgreSQL: \(postgres.subtracting(sqlite).sorted())")
    }

    @Test(arguments: TestDatabase.all) func hostsEnrollAgainUnderTheirIDAndSearchIgnoresCase(_ database: TestDatabase) async throws {
        try await Self.with(database) { store in
            let a = try await store.enroll(HostRecord(hostIdentifier: "web_1", hostname: "Web-One", enrolledAt: 100, lastSeen: 100), nodeKeyHash: "k1")
            let b = try await store.enroll(HostRecord(hostIdentifier: "webX1", hostname: "other", enrolledAt: 100, lastSeen: 100), nodeKeyHash: "k2")
            #expect(a.id != b.id && a.id > 0)
            let again = try await store.enroll(HostRecord(hostIdentifier: "web_1", hostname: "Web-One", agent: "vigil", enrolledAt: 200, lastSeen: 200), nodeKeyHash: "k3")
            #expect(again.id == a.id)
            #expect(try await store.host(nodeKeyHash: "k1") == nil, "the old key stops working")
            #expect(try await store.host(nodeKeyHash: "k3")?.agent == "vigil")
            // LIKE's `_` is a literal here, and case does not matter on either engine.
            #expect(try await store.hosts(HostPageQuery(search: "WEB_", limit: 10)).map(\.hostIdentifier) == ["web_1"])
            #expect(try await store.hostIDs(identifiers: ["webX1", "nope", "web_1"]) == [b.id, a.id])
            // Last seen only moves forward.
            try await store.touch([a.id: 500, b.id: 50])
            #expect(try await store.host(id: a.id)?.lastSeen == 500)
            #expect(try await store.host(id: b.id)?.lastSeen == 100)
            #expect(try await store.hosts(HostPageQuery(seenSince: 400, limit: 10)).map(\.id) == [a.id])
            #expect(try await store.deleteHost(id: b.id))
            #expect(try await store.host(nodeKeyHash: "k2") == nil)
            // Forgotten: in no list or count (not offline for ever) until it enrolls again.
            #expect(try await store.hosts(HostPageQuery(limit: 10)).map(\.id) == [a.id])
            #expect(try await store.hostPage(HostPageQuery(notSeenSince: 10_000)).total == 1)
            #expect(try await store.hostCounts(seenSince: 0) == (total: 1, online: 1))
            _ = try await store.enroll(HostRecord(hostIdentifier: "webX1", hostname: "other", enrolledAt: 600, lastSeen: 600), nodeKeyHash: "k4")
            #expect(try await store.hostCounts(seenSince: 0).total == 2)
            // More than one statement's worth of identifiers (500 a statement), in the asker's order.
            // Made in one statement: 600 enrollments, a commit each, slowed the PostgreSQL
            // that the suite's other tests share (a live query's wake-up took over a second).
            let values = Array(repeating: "(?, ?, 1, 1)", count: 600).joined(separator: ", ")
            _ = try await store.engine.write { db in
                try await db.run("INSERT INTO hosts(host_identifier, node_key_hash, enrolled_at, last_seen) VALUES " + values,
                                 (0..<600).flatMap { [SQLValue.text("bulk-\($0)"), .text("bk\($0)")] })
            }
            let ids = try await store.engine.read { db in try await db.rows("SELECT host_identifier, id FROM hosts WHERE host_identifier LIKE 'bulk-%'") }
            let byName = Dictionary(uniqueKeysWithValues: ids.map { ($0[0].text ?? "", $0[1].integer ?? 0) })
            let bulk = (0..<600).map { byName["bulk-\($0)"] ?? 0 }
            #expect(try await store.hostIDs(identifiers: (0..<600).reversed().map { "bulk-\($0)" } + ["nope"]) == bulk.reversed())
            #expect(try await store.hostIDsByIdentifier(["bulk-599", "bulk-599", "nope"]) == ["bulk-599": bulk[599]])
        }
    }

    /// Search goes through a trigram index from three characters on (FTS5 on SQLite,
    /// pg_trgm on PostgreSQL): it must find what a scan would, follow renames, treat the
    /// search's characters as text, and agree with the count; a label's count comes from
    /// its members.
    @Test(arguments: TestDatabase.all) func hostSearchFollowsRenamesAndLabelsCountTheirMembers(_ database: TestDatabase) async throws {
        try await Self.with(database) { store in
            var ids: [Int64] = []
            for i in 0..<30 {
                let name = i == 7 ? #"Say "hi" db-%07"# : "db-\(String(format: "%02d", i)).Example"
                ids.append(try await store.enroll(HostRecord(hostIdentifier: "id-\(i)", hostname: name, uuid: "UUID-\(1000 + i)", enrolledAt: 1, lastSeen: 1),
                                                  nodeKeyHash: "key-\(i)").id)
            }
            func search(_ s: String, label: Int64? = nil) async throws -> (ids: [Int64], total: Int) {
                let page = try await store.hostPage(HostPageQuery(search: s, labelID: label, limit: 100))
                return (page.hosts.map(\.id), page.total)
            }
            #expect(try await search("DB-2").ids == Array(ids[20..<30]), "case ignored, in hostname order")
            #expect(try await search("db-2").total == 10)
            #expect(try await search("uuid-1003").ids == [ids[3]], "the UUID is searched")
            #expect(try await search("ID-29").ids == [ids[29]], "the host identifier is searched")
            #expect(try await search(#""hi""#).ids == [ids[7]], "quotes are text")
            #expect(try await search("%07").ids == [ids[7]], "LIKE's wildcards are text")
            #expect(try await search("b-").total == 30, "two characters: a scan finds them too")
            #expect(try await search("zzz").ids.isEmpty)
            // The hourly details rename a host; a new enrollment of the same identifier renames it too.
            var details = HostDetailsUpdate()
            details.hostname = "renamed-web"
            try await store.updateDetails(hostID: ids[5], details, at: 2)
            #expect(try await search("db-05").ids.isEmpty, "the old name is gone from the index")
            #expect(try await search("ED-WE").ids == [ids[5]])
            _ = try await store.enroll(HostRecord(hostIdentifier: "id-6", hostname: "mail-six", uuid: "UUID-1006", enrolledAt: 3, lastSeen: 3), nodeKeyHash: "key-6b")
            #expect(try await search("mail-six").ids == [ids[6]])
            #expect(try await search("db-06").ids.isEmpty)
            // A forgotten host is in no search.
            #expect(try await store.deleteHost(id: ids[21]))
            #expect(try await search("db-2").total == 9)
            // A label: its members only, counted from its membership, with and without a search.
            let evens = ids.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            // Dynamic, so that a host can answer "not a member" (a row with member 0).
            let label = try await store.createLabel(LabelRecord(name: "evens", query: "SELECT 1"), members: evens + [ids[1]])
            try await store.setMembership(labelID: label.id, hostID: ids[1], member: false, at: 4)
            let labelled = try await store.hostPage(HostPageQuery(labelID: label.id, limit: 100))
            #expect(Set(labelled.hosts.map(\.id)) == Set(evens) && labelled.total == 15)
            #expect(try await search("db-2", label: label.id).ids == [ids[20], ids[22], ids[24], ids[26], ids[28]])
            #expect(try await search("db-2", label: label.id).total == 5)
            let second = try await store.hostPage(HostPageQuery(labelID: label.id, limit: 4, offset: 4))
            #expect(second.hosts.count == 4 && second.total == 15)
            // The index is there to be used: FTS5's table on SQLite, pg_trgm's GIN index on PostgreSQL's copy.
            let index = database == .sqlite ? "SELECT name FROM sqlite_master WHERE name = 'host_search'" : "SELECT indexname FROM pg_indexes WHERE indexname = 'host_search_trigrams'"
            #expect(try await store.engine.read { db in try await db.rows(index).count } == 1)
            if database == .postgres {
                // And not on hosts, whose rows change with every host's last-seen time.
                let onHosts = try await store.engine.read { db in try await db.rows("SELECT indexname FROM pg_indexes WHERE tablename = 'hosts' AND indexdef LIKE '%USING gin%'") }
                #expect(onHosts.isEmpty, "\(onHosts)")
            }
        }
    }

    @Test(arguments: TestDatabase.all) func resultLinesAreStoredOnceEvenWhenLong(_ database: TestDatabase) async throws {
        try await Self.with(database) { store in
            let h = try await store.enroll(HostRecord(hostIdentifier: "h", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "k")
            let other = try await store.enroll(HostRecord(hostIdentifier: "o", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "ko")
            // Longer than a PostgreSQL B-tree entry may be (about 2.7 kB).
            let long = #"{"name":"q","columns":{"x":""# + String(repeating: "é", count: 50_000) + #""}}"#
            let lines: [(name: String, unixTime: Int64, line: String)] = [("q", 10, "one"), ("q", 20, long), ("q", 30, "one")]
            #expect(try await store.storeLogs(hostID: h.id, kind: "result", lines: lines) == [0, 1])
            #expect(try await store.storeLogs(hostID: h.id, kind: "result", lines: lines).isEmpty, "a resend is not stored twice")
            #expect(try await store.storeLogs(hostID: other.id, kind: "result", lines: [("q", 10, "one")]) == [0], "another host's identical line is its own")
            let stored = try await store.logs(kind: "result", name: "q", hostIdentifier: "h", limit: 10, offset: 0)
            #expect(stored.map(\.line) == ["one", long])
            #expect(try await store.pruneLogs(olderThan: 15) == 2)
            #expect(try await store.logs(kind: "result", name: nil, hostIdentifier: nil, limit: 10, offset: 0).map(\.unixTime) == [20])
            // With a --forward target's cursor, SQLite keeps the newest line (its id would be given again).
            try await store.setSetting(SQLServerStore.forwardCursorPrefix + "tcp://127.0.0.1:1", "2")
            #expect(try await store.pruneLogs(olderThan: 1000) == (database == .sqlite ? 0 : 1))
        }
    }

    @Test(arguments: TestDatabase.all) func aLiveQueryIsHandedOutOnceAndAnsweredOnlyByItsTargets(_ database: TestDatabase) async throws {
        try await Self.with(database) { store in
            let a = try await store.enroll(HostRecord(hostIdentifier: "a", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "ka")
            let b = try await store.enroll(HostRecord(hostIdentifier: "b", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "kb")
            let c = try await store.createCampaign(sql: "SELECT 1 AS one", hostIDs: [a.id, a.id], at: 1000)
            #expect(try await store.campaignTargets(id: c.id).map(\.hostIdentifier) == ["a"])
            func work(_ host: HostRecord) async throws -> PendingWork {
                let work = try await store.pendingWork(hostID: host.id, labelsStaleBefore: 0, detailsStaleBefore: 0, detailsAskedBefore: 0, openCampaignsSince: 999)
                // A poll reads the same in one trip, found by the host's node key.
                let poll = try await store.polling(nodeKeyHash: "k" + host.hostIdentifier, labelsStaleBefore: 0, detailsStaleBefore: 0,
                                                   detailsAskedBefore: 0, openCampaignsSince: 999)
                #expect(poll?.host.id == host.id && poll?.work == work)
                return work
            }
            #expect(try await store.polling(nodeKeyHash: "kz", labelsStaleBefore: 0, detailsStaleBefore: 0, detailsAskedBefore: 0, openCampaignsSince: 0) == nil)
            #expect(try await work(a) == PendingWork(liveQueries: true, openCampaigns: true))
            #expect(try await work(b) == PendingWork(openCampaigns: true), "b is not a target, but a query waits for a")
            #expect(try await store.takePendingQueries(hostID: a.id, at: 1001) == [c.id: "SELECT 1 AS one"])
            #expect(try await store.takePendingQueries(hostID: a.id, at: 1002).isEmpty, "handed out once")
            #expect(try await work(a) == PendingWork(openCampaigns: true), "sent, not yet answered")
            #expect(try await !store.recordAnswer(campaignID: c.id, hostID: b.id, rows: [#"{"one":"9"}"#], error: nil, at: 1003))
            #expect(try await store.recordAnswer(campaignID: c.id, hostID: a.id, rows: [#"{"one":"1"}"#, #"{"one":"2"}"#], error: nil, at: 1003))
            #expect(try await !store.recordAnswer(campaignID: c.id, hostID: a.id, rows: [], error: "late", at: 1004), "the first answer stands")
            let rows = try await store.campaignRows(id: c.id, after: 0, limit: 10)
            #expect(rows.map(\.columns) == [#"{"one":"1"}"#, #"{"one":"2"}"#])
            #expect(try await store.campaignRows(id: c.id, after: rows[0].id, limit: 10).map(\.columns) == [#"{"one":"2"}"#])
            let target = try #require(try await store.campaignTargets(id: c.id).first)
            #expect(target.state == .answered && target.rowCount == 2 && target.sentAt == 1001 && target.answeredAt == 1003)
            #expect(try await work(a) == PendingWork())
            #expect(try await store.pendingWork(hostID: a.id, labelsStaleBefore: 0, detailsStaleBefore: 5, detailsAskedBefore: 5, openCampaignsSince: 0)
                    == PendingWork(details: true), "details never updated nor asked for")
            #expect(try await store.claimDetailRefresh(hostID: a.id, staleBefore: 5, askedBefore: 5, at: 4))
            #expect(try await store.pendingWork(hostID: a.id, labelsStaleBefore: 0, detailsStaleBefore: 5, detailsAskedBefore: 4, openCampaignsSince: 0)
                    == PendingWork(), "asked at 4: not again before the retry time")
        }
    }

    @Test(arguments: TestDatabase.all) func telemetryIsAveragedIntoFiveMinutePointsAfterADay(_ database: TestDatabase) async throws {
        try await Self.with(database) { store in
            let h = try await store.enroll(HostRecord(hostIdentifier: "h", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "k")
            let points = [TelemetryPoint(time: 3000, cpuPercent: 1.0, residentBytes: 100, threads: 4, queriesRun: 1),
                          TelemetryPoint(time: 3010, cpuPercent: 2.0, residentBytes: 201, threads: 6, queriesRun: 3),
                          TelemetryPoint(time: 9000, cpuPercent: 5.5, residentBytes: 300, threads: 5, queriesRun: 9)]
            let q = HostQueryStats(name: "procs", query: "SELECT 1", interval: 60, executions: 3, wallTimeMs: 12, userTimeMs: 5, systemTimeMs: 1,
                                   averageMemory: 1000, outputSize: 77, denylisted: true, lastWallTimeMs: 4, errors: 0)
            try await store.storeTelemetry(hostID: h.id, points: points, schedule: [q], watchdog: [#"{"reason":"memory"}"#],
                                           events: "[1]", outputs: "[2]", at: 9000)
            try await store.storeTelemetry(hostID: h.id, points: [points[0]], schedule: [q], watchdog: [], events: "[3]", outputs: "[4]", at: 9010)
            #expect(try await store.telemetry(hostID: h.id, since: 0) == points)
            #expect(try await store.hostSchedule(hostID: h.id) == [q])
            #expect(try await store.queryPerformance().map(\.name) == ["procs"])
            #expect(try await store.hostWatchdog(hostID: h.id, limit: 5) == [#"{"reason":"memory"}"#])
            #expect(try await store.hostHealth(hostID: h.id) == HostHealth(reportedAt: 9010, events: "[3]", outputs: "[4]"))
            try await store.downsampleTelemetry(before: 5000, dropBefore: 0)
            let after = try await store.telemetry(hostID: h.id, since: 0)
            #expect(after.count == 2)
            // Averages are rounded to the nearest byte (the same on both engines).
            #expect(after.first == TelemetryPoint(time: 3000, cpuPercent: 1.5, residentBytes: 151, threads: 6, queriesRun: 3))
            #expect(after.last == points[2])
            try await store.downsampleTelemetry(before: 5000, dropBefore: 4000)
            #expect(try await store.telemetry(hostID: h.id, since: 0) == [points[2]])
            #expect(try await store.hostWatchdog(hostID: h.id, limit: 5) == [#"{"reason":"memory"}"#], "watchdog events of 9000 are newer than 4000")
        }
    }

    @Test(arguments: TestDatabase.all) func labelsPacksProfilesSecretsAndTokens(_ database: TestDatabase) async throws {
        try await Self.with(database) { store in
            let h = try await store.enroll(HostRecord(hostIdentifier: "h", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "k")
            let manual = try await store.createLabel(LabelRecord(name: "manual", description: "d", query: nil), members: [h.id, h.id])
            let dynamic = try await store.createLabel(LabelRecord(name: "dyn", description: "", query: "SELECT 1"), members: [])
            #expect(manual.hosts == 1)
            #expect(try await store.staleLabelQueries(hostID: h.id, staleBefore: 10).map(\.id) == [dynamic.id])
            #expect(try await store.pendingWork(hostID: h.id, labelsStaleBefore: 10, detailsStaleBefore: 0, detailsAskedBefore: 0, openCampaignsSince: 0)
                    == PendingWork(staleLabels: true))
            try await store.setMembership(labelID: dynamic.id, hostID: h.id, member: true, at: 20)
            try await store.setMembership(labelID: manual.id, hostID: h.id, member: false, at: 20) // manual: not the host's to change
            #expect(try await store.labelIDs(hostID: h.id) == [manual.id, dynamic.id].sorted())
            #expect(try await store.staleLabelQueries(hostID: h.id, staleBefore: 10).isEmpty)
            #expect(try await store.pendingWork(hostID: h.id, labelsStaleBefore: 10, detailsStaleBefore: 0, detailsAskedBefore: 0, openCampaignsSince: 0)
                    == PendingWork())
            let pack = try await store.createPack(PackRecord(name: "p", body: #"{"queries":{}}"#, labelIDs: [dynamic.id]))
            #expect(try await store.packs() == [pack])
            #expect(try await store.deleteLabel(id: dynamic.id))
            #expect(try await store.packs().first?.labelIDs == [])
            #expect(try await store.deletePack(id: pack.id))

            let request = try await store.requestProfile(hostID: h.id, seconds: 5, frequency: 99, at: 100)
            #expect(try await store.pendingWork(hostID: h.id, labelsStaleBefore: 0, detailsStaleBefore: 0, detailsAskedBefore: 0, openCampaignsSince: 0)
                    == PendingWork(profiles: true))
            #expect(try await store.takeProfileRequests(hostID: h.id).map(\.id) == [request])
            #expect(try await store.pendingWork(hostID: h.id, labelsStaleBefore: 0, detailsStaleBefore: 0, detailsAskedBefore: 0, openCampaignsSince: 0)
                    == PendingWork())
            #expect(try await store.takeProfileRequests(hostID: h.id).isEmpty)
            let bytes: [UInt8] = [0x1f, 0x8b, 0, 0, 255, 7, 0]
            #expect(try await store.storeProfile(id: request, hostID: h.id, pprof: bytes, report: "{}", samples: 42, error: nil, at: 106))
            #expect(try await !store.storeProfile(id: request, hostID: h.id, pprof: [], report: nil, samples: nil, error: "again", at: 107))
            let stored = try #require(try await store.profile(id: request, withData: true))
            #expect(stored.pprof == bytes && stored.samples == 42 && stored.state == .done)
            let continuous = try await store.storeContinuousProfile(hostID: h.id, pprof: bytes, seconds: 60, at: 200)
            #expect(try await store.profiles(hostID: h.id).map(\.id) == [continuous, request])
            #expect(try await store.profile(id: continuous, withData: false)?.pprof == nil)
            #expect(try await store.pruneProfiles(olderThan: 150) == 1)

            try await store.addEnrollSecret("s1", name: "one")
            try await store.addEnrollSecret("s1", name: "again") // kept as it was
            #expect(try await store.enrollSecretIsValid("s1"))
            #expect(try await store.revokeEnrollSecret("s1"))
            #expect(try await !store.enrollSecretIsValid("s1"))
            #expect(try await store.enrollSecrets().map { "\($0.name) \($0.revoked)" } == ["one true"])
            try await store.setSetting("x", "1")
            try await store.setSetting("x", "2")
            #expect(try await store.setting("x") == "2")
            try await store.addToken(hash: "t", role: .observer, name: "n", at: 1)
            #expect(try await store.tokenRole(hash: "t") == .observer)
            #expect(try await store.tokenRole(hash: "u") == nil)
        }
    }

    /// Percentiles over hosts, computed by the database: nearest rank on each host's
    /// cost per run, hosts that never ran the query left out of the spread but counted.
    @Test(arguments: TestDatabase.all) func queryPerformanceIsAggregatedByTheDatabase(_ database: TestDatabase) async throws {
        try await Self.with(database) { store in
            var ids: [Int64] = []
            for i in 1...6 {
                let h = try await store.enroll(HostRecord(hostIdentifier: "p\(i)", hostname: "p\(i)", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "pk\(i)")
                ids.append(h.id)
                // Host i: 2 runs costing 10·i ms of wall time, i ms of CPU, 100·i bytes of output each; host 6 never ran.
                let runs: Int64 = i == 6 ? 0 : 2
                let q = HostQueryStats(name: "spread", query: "SELECT 1", interval: 60, executions: runs, wallTimeMs: runs * 10 * Int64(i),
                                       userTimeMs: runs * Int64(i), systemTimeMs: 0, averageMemory: 1000 * Int64(i), outputSize: runs * 100 * Int64(i),
                                       denylisted: i == 5, errors: i == 4 ? 1 : 0)
                let other = HostQueryStats(name: "flat", query: "SELECT 2", executions: 1, wallTimeMs: 7)
                try await store.storeTelemetry(hostID: h.id, points: [], schedule: i <= 2 ? [q, other] : [q], watchdog: [], events: "[]", outputs: "[]", at: 1)
            }
            let all = try await store.queryPerformance()
            #expect(all.map(\.name) == ["flat", "spread"])
            let spread = try #require(all.last)
            #expect(spread.hosts == 6 && spread.executions == 10 && spread.denylistedHosts == 1 && spread.hostsWithErrors == 1)
            #expect(spread.cpuTimeMs == 2 * (1 + 2 + 3 + 4 + 5))
            // Five hosts ran it: p50 is the 3rd smallest, p95 and p99 the 5th.
            #expect(spread.sampledHosts == 5)
            #expect(spread.wallTimeMs == QueryPerformance.Percentiles(p50: 30, p95: 50, p99: 50, max: 50))
            #expect(spread.cpuPerRunMs == QueryPerformance.Percentiles(p50: 3, p95: 5, p99: 5, max: 5))
            #expect(spread.memoryBytes == QueryPerformance.Percentiles(p50: 3000, p95: 5000, p99: 5000, max: 5000))
            #expect(spread.outputBytes == QueryPerformance.Percentiles(p50: 300, p95: 500, p99: 500, max: 500))
            #expect(all.first?.wallTimeMs == QueryPerformance.Percentiles(p50: 7, p95: 7, p99: 7, max: 7))
            // Over a sample in a large fleet: one host id in ⌈5 / 2⌉ = 3; the maximum still over all.
            let sampled = try #require(try await store.queryPerformance(sampleHosts: 2).last)
            let kept = ids.prefix(5).enumerated().filter { $0.element % 3 == 0 }
            #expect(sampled.sampledHosts == kept.count && sampled.hosts == 6 && sampled.wallTimeMs.max == 50)
            if let median = kept.map({ Double(10 * ($0.offset + 1)) }).sorted().dropFirst((kept.count - 1) / 2).first {
                #expect(sampled.wallTimeMs.p50 == median)
            }
            // Drill down: the hosts where it costs most, costliest first.
            #expect(try await store.queryHosts(name: "spread", order: .wall, limit: 2).map(\.host.hostIdentifier) == ["p5", "p4"])
            #expect(try await store.queryHosts(name: "spread", order: .memory, limit: 10).first?.stats.averageMemory == 5000)
            // A forgotten host's costs leave the fleet's figures.
            #expect(try await store.deleteHost(id: ids[4]))
            #expect(try await store.queryPerformance().last?.denylistedHosts == 0)
        }
    }
}
