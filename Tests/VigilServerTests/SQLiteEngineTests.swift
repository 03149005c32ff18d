import Foundation
import Synchronization
import Testing
@testable import VigilServerStore
import VigilSQL
import VigilTestSupport

/// The embedded database's engine: writes share transactions (GroupCommit) yet stand or
/// fall alone; the WAL is copied into the database beside the writer, not by it.
@Suite(.ownThread) struct SQLiteEngineTests {
    struct Refused: Error, Equatable { let n: Int }

    @Test func concurrentWritesCommitTogetherAndAFailedOneIsRolledBackAlone() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-gc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let engine = try SQLiteEngine(path: dir + "/server.db")
        // 300 writers at once; every tenth inserts its row and then fails.
        let outcomes = await withTaskGroup(of: (Int, Result<Int64, Refused>).self) { group in
            for n in 0..<300 {
                group.addTask {
                    do {
                        let id = try await engine.write { db -> Int64 in
                            let id = try await db.rows("INSERT INTO settings(key, value) VALUES (?, ?) RETURNING rowid", [.text("k\(n)"), .text("\(n)")])
                            if n % 10 == 0 { throw Refused(n: n) }
                            return id.first?.first?.integer ?? -1
                        }
                        return (n, .success(id))
                    } catch let refused as Refused {
                        return (n, .failure(refused))
                    } catch {
                        Issue.record("write \(n) failed with \(error)")
                        return (n, .failure(Refused(n: -1)))
                    }
                }
            }
            return await group.reduce(into: [Int: Result<Int64, Refused>]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 300)
        let transactions = engine.commits.transactions.load(ordering: .relaxed)
        #expect(transactions < 300, "300 writes at once took \(transactions) transactions")
        for (n, outcome) in outcomes {
            if n % 10 == 0 { #expect(outcome == .failure(Refused(n: n))) } else { #expect(try outcome.get() > 0) }
        }
        // What each write was told is what is stored: the 270 that succeeded, none of the 30 that failed.
        let stored = try await engine.read { db in try await db.rows("SELECT key FROM settings WHERE key LIKE 'k%'").compactMap { $0[0].text } }
        #expect(Set(stored) == Set((0..<300).filter { $0 % 10 != 0 }.map { "k\($0)" }))
        // A write after the burst still commits (the queue drained and restarts).
        try await engine.write { db in try await db.run("INSERT INTO settings(key, value) VALUES ('after', '1')", []) }
        #expect(try await engine.read { db in try await db.rows("SELECT value FROM settings WHERE key = 'after'").first?.first?.text } == "1")
        await engine.shutdown()
    }

    /// A person's read (an operator's status poll during a live query) does not wait for
    /// the agents' reads queued before it: it has a reader of its own.
    @Test func aPersonsReadDoesNotQueueBehindAgentsReads() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-lane-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let engine = try SQLiteEngine(path: dir + "/server.db")
        // Each agent read counts to 300,000 in SQL (a tenth of a second or more); 16 of
        // them queue on the two agents' readers.
        let slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT count(*) FROM n"
        final class Count: Sendable { let value = Atomic<Int>(0) }
        let finished = Count()
        let agents = (0..<16).map { _ in
            Task {
                _ = try await engine.read { db in try await db.rows(slow) }
                finished.value.add(1, ordering: .relaxed)
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        let person = try await StoreLane.$current.withValue(.people) {
            try await engine.read { db in try await db.rows("SELECT 42").first?.first?.integer }
        }
        let doneBefore = finished.value.load(ordering: .relaxed)
        #expect(person == 42)
        #expect(doneBefore < 8, "the person's read waited for \(doneBefore) of the 16 agents' reads")
        for t in agents { _ = try await t.value }
        await engine.shutdown()
    }

    @Test func theWALIsCheckpointedBesideTheWriterAndEmptiedAtShutdown() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-ckpt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func size(_ suffix: String) throws -> Int {
            try FileManager.default.attributesOfItem(atPath: dir + "/server.db" + suffix)[.size] as? Int ?? -1
        }
        let engine = try SQLiteEngine(path: dir + "/server.db")
        let before = try size("")
        // About 4 MB through the writer, which never checkpoints itself.
        let value = String(repeating: "v", count: 4000)
        for batch in 0..<10 {
            try await engine.write { db in
                for n in 0..<100 { try await db.run("INSERT INTO settings(key, value) VALUES (?, ?)", [.text("k\(batch)-\(n)"), .text(value)]) }
            }
        }
        // Only a checkpoint writes pages into the database file: within a few seconds it has grown by them.
        var grown = false
        for _ in 0..<50 where !grown {
            grown = try size("") > before + 3_000_000
            if !grown { try await Task.sleep(for: .milliseconds(100)) }
        }
        let after = try size("")
        #expect(grown, "the database file is \(after) bytes, was \(before)")
        await engine.shutdown()
        #expect(try size("-wal") == 0, "a stopped engine leaves its data in the database file")
        let reopened = try SQLiteEngine(path: dir + "/server.db")
        #expect(try await reopened.read { db in try await db.rows("SELECT count(*) FROM settings WHERE key LIKE 'k%'").first?.first?.integer } == 1000)
        await reopened.shutdown()
    }

    /// Under steady writes, readers always sit on some WAL frame, so the WAL never started
    /// again by itself: 4 GB in three minutes at 10,000 agents. The writer restarts it.
    @Test func theWALStaysBoundedWhileReadersNeverStop() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-walcap-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let engine = try SQLiteEngine(path: dir + "/server.db", restartFrames: 256, checkpointMilliseconds: 50)
        final class Readers: Sendable { let done = Atomic<Bool>(false); let reads = Atomic<Int>(0) }
        let state = Readers()
        let readers = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        while !state.done.load(ordering: .relaxed) {
                            _ = try? await engine.read { db in try await db.rows("SELECT count(*), sum(length(value)) FROM settings", []) }
                            state.reads.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
        }
        // About 40 MB of changed pages through the WAL: 400 transactions rewriting 50 rows of 2 KB.
        let value = String(repeating: "v", count: 2000)
        var largest = 0
        for batch in 0..<400 {
            try await engine.write { db in
                for n in 0..<50 { try await db.run("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", [.text("k\(n)"), .text("\(batch)" + value)]) }
            }
            largest = max(largest, try FileManager.default.attributesOfItem(atPath: dir + "/server.db-wal")[.size] as? Int ?? 0)
        }
        state.done.store(true, ordering: .relaxed)
        await readers.value
        #expect(state.reads.load(ordering: .relaxed) > 400, "the readers ran beside the writes")
        #expect(largest < 24 << 20, "the WAL reached \(largest) bytes")
        #expect(try await engine.read { db in try await db.rows("SELECT value FROM settings WHERE key = 'k7'").first?.first?.text } == "399" + value)
        await engine.shutdown()
    }

    /// A database made before lines had keys: at open its lines get theirs, and what was
    /// stored then is still recognized when an agent sends it again.
    @Test func linesStoredBeforeKeysAreStillStoredOnce() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-logkey-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keyedStep = try #require(SQLiteSchema.steps.firstIndex { $0.contains("CREATE TABLE logs_keyed") })
        do {
            let old = try StateDatabase(path: dir + "/server.db")
            for step in SQLiteSchema.steps[..<keyedStep] { try old.execute(step) }
            try old.execute("PRAGMA user_version = \(keyedStep)")
            try old.execute("INSERT INTO hosts(id, host_identifier, node_key_hash, enrolled_at, last_seen) VALUES (7, 'h', 'k', 1, 1)")
            for n in 0..<6000 { try old.run("INSERT INTO logs(host_id, kind, name, unix_time, line) VALUES (7, 'result', 'q', ?, ?)", [.integer(Int64(n)), .text("line \(n)")]) }
        }
        let store = SQLServerStore(engine: try SQLiteEngine(path: dir + "/server.db"))
        let unkeyed = try await store.engine.read { db in try await db.rows("SELECT count(*) FROM logs WHERE line_key = 0").first?.first?.integer }
        #expect(unkeyed == 0)
        let stored = try await store.storeLogs(hostID: 7, kind: "result", lines: [("q", 1, "line 5999"), ("q", 2, "new"), ("q", 3, "line 0")])
        #expect(stored == [1], "only the new line is stored")
        #expect(try await store.engine.read { db in try await db.rows("SELECT count(*) FROM logs").first?.first?.integer } == 6001)
        await store.shutdown()
    }
}
