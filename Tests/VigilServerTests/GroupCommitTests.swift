import Foundation
import Testing
@testable import VigilServerStore
import VigilSQL

/// SQLite's writes share transactions (GroupCommit): each must still stand or fall alone.
@Suite struct GroupCommitTests {
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
}
