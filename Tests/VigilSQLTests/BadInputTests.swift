import Testing
import VigilSQL

@Suite struct BadInputTests {
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
}
