import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// Vigil's SQL may come from a fleet server while the agent runs as root: nothing a
/// query says may write, attach or load anything.
@Suite(.ownThread) final class SecurityTests {
    let dir: URL
    let db: Database

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        db = try Database(tables: [RecordingTable()])
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

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

    /// Each refusal names the statement and why, and nothing reaches the disk.
    @Test(arguments: [
        ("ATTACH DATABASE '%DIR%/a.db' AS a", "not authorized: ATTACH is not allowed: queries cannot open database files"),
        ("DETACH a", "not authorized: DETACH is not allowed"),
        ("VACUUM INTO '%DIR%/v.db'", "not authorized: VACUUM INTO is not allowed: queries cannot write database files"),
        ("vacuum main into '%DIR%/v.db'", "not authorized: VACUUM INTO is not allowed"),
        ("VACUUM", "not authorized: VACUUM is not allowed: Vigil's SQL is read-only"),
        ("REINDEX", "not authorized: REINDEX is not allowed: Vigil's SQL is read-only"),
        ("/* why */ REINDEX numbers", "not authorized: REINDEX is not allowed"),
        // A leading empty statement once hid the keyword from the check (issue 19).
        ("; REINDEX", "not authorized: REINDEX is not allowed: Vigil's SQL is read-only"),
        (";;\n ; /* c */ VACUUM", "not authorized: VACUUM is not allowed"),
        ("PRAGMA temp_store = FILE", "not authorized: PRAGMA temp_store is not allowed"),
        ("ANALYZE", "not authorized: ANALYZE is not allowed: Vigil's SQL is read-only"),
        ("SELECT load_extension('%DIR%/x.so')", "not authorized to use function: load_extension"),
        ("PRAGMA journal_mode = WAL", "not authorized: PRAGMA journal_mode is not allowed (only read-only pragmas:"),
        ("PRAGMA writable_schema = ON", "not authorized: PRAGMA writable_schema is not allowed"),
        ("SELECT * FROM pragma_journal_mode", "not authorized: PRAGMA journal_mode is not allowed"),
        ("CREATE TABLE t(x)", "not authorized: CREATE TABLE is not allowed: Vigil's SQL is read-only"),
        ("CREATE TEMP TABLE t(x)", "not authorized: CREATE TEMP TABLE is not allowed"),
        ("CREATE VIRTUAL TABLE v USING numbers", "not authorized: CREATE VIRTUAL TABLE is not allowed"),
        ("CREATE VIEW v AS SELECT 1", "not authorized: CREATE VIEW is not allowed"),
        ("CREATE TRIGGER tr AFTER INSERT ON numbers BEGIN SELECT 1; END", "cannot create triggers on virtual tables"),
        ("INSERT INTO numbers(id) VALUES (1)", "not authorized: INSERT is not allowed: Vigil's SQL is read-only"),
        ("DELETE FROM numbers", "table numbers may not be modified"),
        ("DROP TABLE numbers", "not authorized: DROP TABLE is not allowed"),
        ("UPDATE sqlite_master SET sql = ''", "table sqlite_master may not be modified"),
        ("BEGIN", "not authorized: a transaction statement is not allowed"),
        ("SAVEPOINT s", "not authorized: SAVEPOINT is not allowed"),
    ])
    func refused(_ template: String, _ reason: String) throws {
        let sql = template.replacingOccurrences(of: "%DIR%", with: dir.path)
        let message = try #require(refusal(sql), "\(sql) was allowed")
        #expect(message.contains(reason), "refusal of \(sql) says: \(message)")
        #expect(!message.hasSuffix("not authorized"), "bare refusal for \(sql)")
        let clean = (try? nothingWritten()) ?? false
        #expect(clean, "\(sql) wrote a file")
    }

    /// SQLite's own pragma_* table-valued functions read like their PRAGMA statements.
    @Test func readOnlyPragmaFunctionsWork() throws {
        let info = try db.query("SELECT name FROM pragma_table_info('numbers')")
        #expect(info.count == 3)
        let xinfo = try db.query("SELECT name FROM pragma_table_xinfo('numbers')")
        #expect(xinfo.count >= 3)
        let tables = try db.query("SELECT name FROM pragma_table_list")
        #expect(tables.contains { $0["name"] == .text("sqlite_schema") })
        let indexes = try db.query("SELECT * FROM pragma_index_list('numbers')")
        #expect(indexes.isEmpty)
        let functions = try db.query("SELECT name FROM pragma_function_list WHERE name = 'upper'")
        #expect(!functions.isEmpty)
        let joined = try db.query("SELECT count(*) AS n FROM pragma_table_list t, pragma_table_info(t.name) c")
        #expect((joined.first?["n"]?.integer ?? 0) > 0)
    }

    @Test func readOnlyPragmasAndFunctionsWork() throws {
        #expect(try db.query("PRAGMA table_info(numbers)").count == 3)
        #expect(try db.query("SELECT upper('a') AS u").first?["u"] == .text("A"))
        #expect(try db.query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5) SELECT count(*) AS n FROM c").first?["n"] == .integer(5))
    }
}
