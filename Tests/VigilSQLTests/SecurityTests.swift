import Foundation
import Testing
import VigilSQL

/// Vigil's SQL may come from a fleet server while the agent runs as root: nothing a
/// query says may write, attach or load anything.
@Suite struct SecurityTests {
    let dir: URL
    let db: Database

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        db = try Database(tables: [RecordingTable()])
    }

    func refusal(_ sql: String) -> String? {
        do {
            _ = try db.query(sql)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func nothingWritten() throws -> Bool {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty
    }

    @Test(arguments: [
        "ATTACH DATABASE '%DIR%/a.db' AS a",
        "VACUUM INTO '%DIR%/v.db'",
        "SELECT load_extension('%DIR%/x.so')",
        "PRAGMA journal_mode = WAL",
        "PRAGMA writable_schema = ON",
        "CREATE TABLE t(x)",
        "CREATE TEMP TABLE t(x)",
        "CREATE VIRTUAL TABLE v USING numbers",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TRIGGER tr AFTER INSERT ON numbers BEGIN SELECT 1; END",
        "INSERT INTO numbers(id) VALUES (1)",
        "DELETE FROM numbers",
        "DROP TABLE numbers",
        "BEGIN",
    ])
    func refused(_ template: String) throws {
        let sql = template.replacingOccurrences(of: "%DIR%", with: dir.path)
        let message = try #require(refusal(sql), "\(sql) was allowed")
        #expect(!message.isEmpty)
        #expect(message.contains("not authorized") || message.contains("not allowed") || message.contains("too many attached")
                || message.contains("may not be modified") || message.contains("cannot create triggers"),
                "unclear refusal for \(sql): \(message)")
        #expect(try nothingWritten(), "\(sql) wrote a file")
    }

    @Test func refusalsSayWhy() {
        #expect(refusal("ATTACH DATABASE '\(dir.path)/a.db' AS a")?.contains("ATTACH is not allowed") == true)
        #expect(refusal("CREATE TABLE t(x)")?.contains("CREATE TABLE is not allowed") == true)
        #expect(refusal("PRAGMA journal_mode = WAL")?.contains("PRAGMA journal_mode is not allowed") == true)
    }

    @Test func readOnlyPragmasAndFunctionsWork() throws {
        #expect(try db.query("PRAGMA table_info(numbers)").count == 3)
        #expect(try db.query("SELECT upper('a') AS u").first?["u"] == .text("A"))
        #expect(try db.query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5) SELECT count(*) AS n FROM c").first?["n"] == .integer(5))
    }
}
