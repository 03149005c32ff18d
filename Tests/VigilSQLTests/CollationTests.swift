import Testing
import VigilSQL
import VigilTestSupport

/// Fingerprint-like ids in mixed case, with the same column declared with and without
/// NOCASE, pushed down or not: what osquery's `collate="nocase"`
/// columns (`lxd_images.id`, `lxd_certificates.fingerprint`) rely on.
private struct FingerprintTable: VirtualTable {
    static let ids = ["0931b693c8", "ABCDEF0123", "abcdef0124"]
    let schema = TableSchema("fingerprints", "Mixed-case ids for collation tests", [
        Column("id", .text, "pushed down, NOCASE", .index).collated(.noCase),
        Column("plain", .text, "same value, BINARY"),
        Column("nocase", .text, "same value, NOCASE, not pushed down").collated(.noCase),
    ])

    func generate(_ context: QueryContext) throws -> RowSequence {
        // A NOCASE index column is matched without case, as LXDImagesTable does.
        let asked = context.texts("id").map { Set($0.map { $0.lowercased() }) }
        let ids = Self.ids.filter { asked?.contains($0.lowercased()) ?? true }
        return RowSequence(ids) { [schema] id in
            var row = Row(schema)
            for column in ["id", "plain", "nocase"] { row[column] = .text(id) }
            return row
        }
    }
}

@Suite(.ownThread) struct CollationTests {
    let db: Database

    init() throws { db = try Database(tables: [FingerprintTable()]) }

    func ids(_ sql: String) throws -> [String] {
        try db.query(sql).compactMap { $0.values.first?.text }.sorted()
    }

    @Test func declaredSchemaCarriesTheCollation() {
        let statement = FingerprintTable().schema.createStatement
        #expect(statement.contains("\"id\" TEXT COLLATE NOCASE"))
        #expect(statement.contains("\"plain\" TEXT,"))
    }

    @Test func equalityIgnoresCaseOnNoCaseColumns() throws {
        #expect(try ids("SELECT nocase FROM fingerprints WHERE nocase = 'abcdef0123'") == ["ABCDEF0123"])
        #expect(try ids("SELECT nocase FROM fingerprints WHERE 'ABCDEF0124' = nocase") == ["abcdef0124"])
        #expect(try ids("SELECT nocase FROM fingerprints WHERE nocase IN ('0931B693C8', 'x')") == ["0931b693c8"])
        // The same values under SQLite's default collation: case counts.
        #expect(try ids("SELECT plain FROM fingerprints WHERE plain = 'abcdef0123'") == [])
        // A query's own COLLATE wins over the declared one, as in SQLite.
        #expect(try ids("SELECT nocase FROM fingerprints WHERE nocase = 'abcdef0123' COLLATE BINARY") == [])
    }

    @Test func pushedDownEqualityIgnoresCase() throws {
        #expect(try ids("SELECT id FROM fingerprints WHERE id = '0931B693C8'") == ["0931b693c8"])
        #expect(try ids("SELECT id FROM fingerprints WHERE id IN ('abcdef0123', 'ABCDEF0124')") == ["ABCDEF0123", "abcdef0124"])
    }

    @Test func rangesAndJoinsFollowTheCollation() throws {
        func count(_ sql: String) throws -> SQLValue? { try db.query(sql).first?["n"] }
        // ABCDEF0123 equals 'abcdef0123' under NOCASE and sorts below it under BINARY.
        #expect(try count("SELECT count(*) AS n FROM fingerprints WHERE nocase >= 'abcdef0123'") == .integer(2))
        #expect(try count("SELECT count(*) AS n FROM fingerprints WHERE plain >= 'abcdef0123'") == .integer(1))
        #expect(try count("SELECT count(*) AS n FROM fingerprints a JOIN fingerprints b ON a.nocase = upper(b.plain)") == .integer(3))
        #expect(try count("SELECT count(*) AS n FROM fingerprints a JOIN fingerprints b ON a.plain = upper(b.plain)") == .integer(1))
    }
}
