import Testing
@testable import VigilServerStore
import VigilTestSupport

/// The OTLP export's cursor over the stored lines, on both engines: one exporter holds it
/// at a time, it moves only as far as told, and retention's deletions of lines not yet
/// exported are counted for the exporter.
@Suite struct StoreExportTests {
    @Test(arguments: TestDatabase.all) func oneExporterHoldsTheCursorAndRetentionCountsWhatItDeletesUnexported(_ database: TestDatabase) async throws {
        try await StoreTests.with(database) { store in
            let h = try await store.enroll(HostRecord(hostIdentifier: "h", enrolledAt: 1, lastSeen: 1), nodeKeyHash: "k")
            // History from before the export began is not exported.
            _ = try await store.storeLogs(hostID: h.id, kind: "result", lines: [("q", 100, "before")])
            try await store.startLogExport()
            try await store.startLogExport()
            _ = try await store.storeLogs(hostID: h.id, kind: "result", lines: (1...5).map { ("q", Int64($0 * 10), "line \($0)") })
            _ = try await store.storeLogs(hostID: h.id, kind: "status", lines: [("", 60, "status 6")])

            let a = try #require(try await store.claimLogExport(owner: "a", at: 1000, until: 1180))
            #expect(a.exportedThrough == a.sendingThrough)
            #expect(try await store.claimLogExport(owner: "b", at: 1010, until: 1190) == nil, "a holds the lease")
            let settled = try await store.settledLogID()
            let lines = try await store.exportLogs(after: a.exportedThrough, through: settled, limit: 4)
            #expect(lines.map(\.line) == ["line 1", "line 2", "line 3", "line 4"])
            #expect(lines.allSatisfy { $0.hostID == h.id && $0.kind == "result" })
            let through = try #require(lines.last?.id)
            #expect(try await store.sendingLogs(owner: "a", through: through, until: 1200))
            #expect(try await !store.sendingLogs(owner: "b", through: through, until: 1200), "only the holder marks a batch")

            // a stops before the collector's answer: whoever claims next sees the batch in flight.
            let again = try #require(try await store.claimLogExport(owner: "a", at: 1020, until: 1200))
            #expect(again.sendingThrough == through && again.exportedThrough == a.exportedThrough)
            #expect(try await store.exportedLogs(owner: "a", through: through))
            #expect(try await !store.exportedLogs(owner: "b", through: through + 1))

            // Retention deletes lines 1 to 5 (times 10 to 50), of which line 5 was not exported.
            #expect(try await store.pruneLogs(olderThan: 55) == 5)
            #expect(try await store.claimLogExport(owner: "b", at: 1100, until: 1300) == nil)
            // a's lease ends at 1200: b takes the cursor over, and the count with it (once).
            let b = try #require(try await store.claimLogExport(owner: "b", at: 1201, until: 1400))
            #expect(b.exportedThrough == through && b.dropped == 1)
            #expect(try await store.claimLogExport(owner: "b", at: 1202, until: 1400)?.dropped == 0)
            #expect(try await store.exportLogs(after: b.exportedThrough, through: try await store.settledLogID(), limit: 10).map(\.line) == ["status 6"])

            // The newest line is kept while an export keeps a cursor (SQLite would give its id again).
            #expect(try await store.pruneLogs(olderThan: 1000) == (database == .sqlite ? 1 : 2))
        }
    }
}
