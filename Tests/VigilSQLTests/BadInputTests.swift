import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct BadInputTests {
    let db: Database
    init() throws { db = try Database(tables: [RecordingTable(name: "processes"), RecordingTable(name: "process_envs")]) }

    func message(_ sql: String) -> String? {
        do {
            _ = try db.query(sql)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func unknownTableSuggestsCloseNames() {
        let m = message("SELECT * FROM proceses")
        #expect(m?.contains("no such table: proceses") == true)
        #expect(m?.contains("did you mean processes") == true)
    }

    @Test func unknownColumnIsNamed() {
        let m = message("SELECT lable FROM processes")
        #expect(m?.contains("no such column: lable") == true)
        #expect(m?.contains("label") == true)
    }

    /// A table name inside a string literal (or a comment) is not a table the query
    /// reads, and the misplaced name itself is no suggestion.
    @Test func unknownColumnIgnoresLiteralsAndItself() throws {
        let db = try Database(tables: [RecordingTable(name: "numbers"), NamedTable()])
        func message(_ sql: String) -> String {
            do { _ = try db.query(sql) } catch { return "\(error)" }
            return ""
        }
        let literal = message("SELECT name FROM numbers WHERE label = 'processes'")
        #expect(literal.contains("no such column: name"), "\(literal)")
        #expect(!literal.contains("did you mean name"), "\(literal)")
        let comment = message("SELECT name FROM numbers -- processes")
        #expect(!comment.contains("did you mean name"), "\(comment)")
        // Both tables are named, so "name" is in scope, yet numbers (n) has no such column.
        let itself = message("SELECT n.name FROM numbers n JOIN processes p ON p.pid = n.id")
        #expect(itself.contains("no such column: n.name"), "\(itself)")
        #expect(!itself.contains("did you mean name") && !itself.contains(", name"), "\(itself)")
        // A real misspelling still finds the column.
        let typo = message("SELECT nmae FROM processes WHERE name = 'numbers'")
        #expect(typo.contains("did you mean name"), "\(typo)")
    }

    /// Input that stops mid-statement points at its end, as other syntax errors point at theirs.
    @Test func incompleteInputPointsAtTheEnd() throws {
        let sql = "SELECT * FROM processes WHERE"
        do {
            _ = try db.query(sql + "  \n")
            Issue.record("incomplete SQL was accepted")
        } catch let error as SQLError {
            #expect(error.message == "incomplete input")
            #expect(error.offset == sql.utf8.count)
            #expect(error.pointer(in: sql + "  \n") == sql + "  \n" + String(repeating: " ", count: sql.count) + "^")
        }
    }

    /// In a text of several statements the position counts from the start of the text.
    @Test func positionCountsFromTheWholeText() throws {
        let sql = "SELECT id FROM processes; SELEC 2"
        do {
            _ = try db.query(sql)
            Issue.record("malformed SQL was accepted")
        } catch let error as SQLError {
            #expect(error.offset == 26)
            #expect(error.pointer(in: sql)?.hasSuffix("\n" + String(repeating: " ", count: 26) + "^") == true)
        }
    }

    @Test func syntaxErrorCarriesPosition() throws {
        do {
            _ = try db.query("SELECT id FROM processes WHER id = 1")
            Issue.record("malformed SQL was accepted")
        } catch let error as SQLError {
            #expect(error.message.contains("syntax error"))
            let offset = try #require(error.offset)
            // "WHER" parses as an alias of processes, so SQLite stops at the "id" after it.
            #expect(offset == 30)
            #expect(error.pointer(in: "SELECT id FROM processes WHER id = 1")?.hasSuffix("^") == true)
        }
    }

    @Test func emptyResultIsNotAnError() throws {
        #expect(try db.query("SELECT * FROM processes WHERE id = 99999").isEmpty)
    }

    @Test func largeResultsStream() throws {
        // 200,000 rows pulled one at a time through the cursor: the table is never asked to materialise them.
        let big = RecordingTable(name: "big", count: 200_000)
        let db = try Database(tables: [big])
        var n = 0
        try db.forEachStatement("SELECT id FROM big") { s in
            while try s.step() { n += 1 }
        }
        #expect(n == 200_000)
    }
    /// A NUL byte anywhere in the SQL is refused with its offset, at once: preparing
    /// "\0…" consumed nothing and forEachStatement looped forever (issue 19). Run on
    /// a thread with a deadline so that a regression fails instead of hanging.
    @Test(arguments: ["\0SELECT 1", "SELECT 1\0;", "SELECT 1; \0", "SELECT 1;\n\0\0"])
    func nulByteIsRefusedNotLoopedOn(_ sql: String) throws {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome = ""
        nonisolated(unsafe) let db = self.db
        Thread.detachNewThread {
            do { _ = try db.query(sql) } catch { outcome = "\(error)" }
            done.signal()
        }
        try #require(done.wait(timeout: .now() + 10) == .success, "still running after 10 s")
        let offset = sql.utf8.firstIndex(of: 0).map { sql.utf8.distance(from: sql.utf8.startIndex, to: $0) }!
        #expect(outcome == "SQL contains a NUL byte; remove it (at offset \(offset))")
    }

}

/// A table with osquery-like column names, for suggestion tests.
struct NamedTable: VirtualTable {
    let schema = TableSchema("processes", "Named rows for tests", [
        Column("pid", .bigint, "process id", .index),
        Column("name", .text, "process name"),
    ])

    func generate(_ context: QueryContext) throws -> RowSequence { RowSequence([]) }
}
