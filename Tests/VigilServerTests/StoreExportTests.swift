import Testing
@testable import VigilServerStore
import VigilTestSupport

/// The OTLP export's cursors over the stored lines and answer rows, on both engines: one
/// exporter holds each at a time, it moves only as far as told, and retention's deletions
/// of items not yet exported are counted for the exporter.
@Suite(.ownThread) struct StoreExportTests {
    @Test(arguments: TestDatabase.all) func oneExporterHoldsTheCursorAndRetentionCountsWhatItDeletesUnexported(_ database: TestDatabase) async throws {
        try await StoreTests.with(database) { store in
            let h = try await store.enroll(HostRecord(hostIdentifier: "h", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "k")
            // History from before the export began is not exported.
            _ = try await store.storeLogs(hostID: h.id, kind: "result", lines: [("q", 100, "before")])
            try await store.startExport(.logs)
            try await store.startExport(.logs)
            _ = try await store.storeLogs(hostID: h.id, kind: "result", lines: (1...5).map { ("q", Int64($0 * 10), "line \($0)") })
            _ = try await store.storeLogs(hostID: h.id, kind: "status", lines: [("", 60, "status 6")])

            let a = try #require(try await store.claimExport(.logs, owner: "a", at: 1000, until: 1180))
            #expect(a.exportedThrough == a.sendingThrough)
            #expect(try await store.claimExport(.logs, owner: "b", at: 1010, until: 1190) == nil, "a holds the lease")
            let settled = try await store.settledID(.logs)
            let lines = try await store.exportLogs(after: a.exportedThrough, through: settled, limit: 4)
            #expect(lines.map(\.line) == ["line 1", "line 2", "line 3", "line 4"])
            #expect(lines.allSatisfy { $0.hostID == h.id && $0.kind == "result" })
            let through = try #require(lines.last?.id)
            #expect(try await store.sendingExport(.logs, owner: "a", through: through, until: 1200))
            #expect(try await !store.sendingExport(.logs, owner: "b", through: through, until: 1200), "only the holder marks a batch")

            // a stops before the collector's answer: whoever claims next sees the batch in flight.
            let again = try #require(try await store.claimExport(.logs, owner: "a", at: 1020, until: 1200))
            #expect(again.sendingThrough == through && again.exportedThrough == a.exportedThrough)
            #expect(try await store.exported(.logs, owner: "a", through: through))
            #expect(try await !store.exported(.logs, owner: "b", through: through + 1))

            // Retention deletes lines 1 to 5 (times 10 to 50), of which line 5 was not exported.
            #expect(try await store.pruneLogs(olderThan: 55) == 5)
            #expect(try await store.claimExport(.logs, owner: "b", at: 1100, until: 1300) == nil)
            // a's lease ends at 1200: b takes the cursor over, and the count with it (once).
            let b = try #require(try await store.claimExport(.logs, owner: "b", at: 1201, until: 1400))
            #expect(b.exportedThrough == through && b.dropped == 1)
            #expect(try await store.claimExport(.logs, owner: "b", at: 1202, until: 1400)?.dropped == 0)
            #expect(try await store.exportLogs(after: b.exportedThrough, through: try await store.settledID(.logs), limit: 10).map(\.line) == ["status 6"])

            // The newest line is kept while an export keeps a cursor (SQLite would give its id again).
            #expect(try await store.pruneLogs(olderThan: 1000) == (database == .sqlite ? 1 : 2))
        }
    }

    /// Live queries past retention go with their targets and rows; the answer rows' cursor
    /// is separate from the lines', and the rows retention deleted unexported are counted.
    @Test(arguments: TestDatabase.all) func oldLiveQueriesGoWithTheirAnswersAndUnexportedRowsAreCounted(_ database: TestDatabase) async throws {
        try await StoreTests.with(database) { store in
            let h = try await store.enroll(HostRecord(hostIdentifier: "h", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "k")
            let before = try await store.createCampaign(sql: "SELECT 0", hostIDs: [h.id], at: 50)
            #expect(try await store.recordAnswer(campaignID: before.id, hostID: h.id, rows: [#"{"n":"0"}"#], error: nil, at: 60))
            try await store.startExport(.answers)
            try await store.startExport(.logs)
            let old = try await store.createCampaign(sql: "SELECT 1", hostIDs: [h.id], at: 100)
            #expect(try await store.recordAnswer(campaignID: old.id, hostID: h.id, rows: [#"{"n":"1"}"#, #"{"n":"2"}"#], error: nil, at: 110))
            let recent = try await store.createCampaign(sql: "SELECT 3", hostIDs: [h.id], at: 5000)
            #expect(try await store.recordAnswer(campaignID: recent.id, hostID: h.id, rows: [#"{"n":"3"}"#], error: nil, at: 5010))

            let cursor = try #require(try await store.claimExport(.answers, owner: "a", at: 1000, until: 1180))
            // The row answered before the export began is not exported; the lines' cursor is another.
            let rows = try await store.exportAnswerRows(after: cursor.exportedThrough, through: try await store.settledID(.answers), limit: 10)
            #expect(rows.map(\.columns) == [#"{"n":"1"}"#, #"{"n":"2"}"#, #"{"n":"3"}"#])
            #expect(rows.map(\.campaignID) == [old.id, old.id, recent.id] && rows.allSatisfy { $0.hostID == h.id })
            #expect(rows.map(\.answeredAt) == [110, 110, 5010])
            #expect(try await store.claimExport(.logs, owner: "b", at: 1000, until: 1180) != nil, "each stream has its own lease")
            #expect(try await store.exported(.answers, owner: "a", through: rows[0].id))

            // Retention at 1000: the two old live queries go, with their targets and rows;
            // the newest (which holds the newest row) stays. One old row was not exported.
            #expect(try await store.pruneCampaigns(olderThan: 1000) == 2)
            #expect(try await store.campaign(id: old.id) == nil)
            #expect(try await store.campaign(id: before.id) == nil)
            #expect(try await store.campaignTargets(id: old.id).isEmpty)
            #expect(try await store.campaignRows(id: old.id, after: 0, limit: 10).isEmpty)
            #expect(try await store.campaignRows(id: recent.id, after: 0, limit: 10).map(\.columns) == [#"{"n":"3"}"#])
            #expect(try await store.claimExport(.answers, owner: "a", at: 1001, until: 1180)?.dropped == 1)
            // Past its time too, the newest live query stays (SQLite would give its ids again).
            #expect(try await store.pruneCampaigns(olderThan: 10_000) == 0)
            #expect(try await store.campaign(id: recent.id) != nil)
        }
    }

    /// Profiles go out in the order they were stored, not the order they were asked for;
    /// a failed one and a server's own are not exported; retention counts what it deletes
    /// unexported and keeps the newest.
    @Test(arguments: TestDatabase.all) func profilesGoOutInTheOrderStored(_ database: TestDatabase) async throws {
        try await StoreTests.with(database) { store in
            let h = try await store.enroll(HostRecord(hostIdentifier: "h", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "k")
            try await store.startExport(.profiles)
            let asked = try await store.requestProfile(hostID: h.id, seconds: 10, frequency: 99, at: 100)
            let failed = try await store.requestProfile(hostID: h.id, seconds: 10, frequency: 99, at: 100)
            let own = try await store.requestServerProfile(server: "s", seconds: 10, frequency: 99, at: 100)
            let continuous = try await store.storeContinuousProfile(hostID: h.id, pprof: [1, 2], seconds: 60, at: 110)
            #expect(try await store.storeProfile(id: asked, hostID: h.id, pprof: [3, 4], report: nil, samples: 5, error: nil, at: 120))
            #expect(try await store.storeProfile(id: failed, hostID: h.id, pprof: nil, report: nil, samples: nil, error: "no BPF", at: 125))
            #expect(try await store.storeProfile(id: own, hostID: 0, pprof: [5, 6], report: nil, samples: 5, error: nil, at: 130))
            let later = try await store.storeContinuousProfile(hostID: h.id, pprof: [7, 8], seconds: 60, at: 5000)

            let cursor = try #require(try await store.claimExport(.profiles, owner: "a", at: 1000, until: 1180))
            let out = try await store.exportProfiles(after: cursor.exportedThrough, through: try await store.settledID(.profiles), limit: 10)
            #expect(out.map(\.id) == [continuous, asked, later])
            #expect(out.map(\.pprof) == [[1, 2], [3, 4], [7, 8]] && out.allSatisfy { $0.hostID == h.id })
            #expect(try await store.exported(.profiles, owner: "a", through: out[0].seq))
            // Retention at 1000 deletes the four older ones; one of them (asked) was not exported.
            #expect(try await store.pruneProfiles(olderThan: 1000) == 4)
            #expect(try await store.claimExport(.profiles, owner: "a", at: 1001, until: 1180)?.dropped == 1)
            // The newest stays, past its time too.
            #expect(try await store.pruneProfiles(olderThan: 10_000) == 0)
            #expect(try await store.profile(id: later, withData: false) != nil)
        }
    }
}
