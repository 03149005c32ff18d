import Testing
@testable import VigilSQL
import VigilTestSupport

/// A table with two pushed-down columns, so `a = x OR b = y` is answered with one
/// scan per branch (SQLite's MULTI-INDEX OR), each row emitted `copies` times.
private struct GridTable: VirtualTable {
    let schema = TableSchema("grid", "Pairs for OR tests", [
        Column("a", .bigint, "first coordinate", .index),
        Column("b", .bigint, "second coordinate", .index),
    ])
    let copies: Int

    static func pairs(copies: Int) -> [(Int64, Int64)] {
        (1...4).flatMap { a in (1...4).flatMap { b in Array(repeating: (Int64(a), Int64(b)), count: copies) } }
    }

    func generate(_ context: QueryContext) throws -> RowSequence {
        let a = context.integers("a"), b = context.integers("b")
        let rows = Self.pairs(copies: copies).filter { (a?.contains($0.0) ?? true) && (b?.contains($0.1) ?? true) }
        return RowSequence(rows) { [schema] pair in
            var row = Row(schema)
            row["a"] = .integer(pair.0)
            row["b"] = .integer(pair.1)
            return row
        }
    }
}

@Suite(.ownThread) struct OrConstraintTests {
    /// Each row that satisfies either branch comes back once, as from an ordinary table:
    /// rows of the second branch are not lost, rows of both branches are not doubled.
    @Test(arguments: [1, 2]) func orOfTwoIndexedColumnsIsAUnion(copies: Int) throws {
        let db = try Database(tables: [GridTable(copies: copies)])
        let plan = try db.query("EXPLAIN QUERY PLAN SELECT a, b FROM grid WHERE a = 1 OR b = 1")
        #expect(plan.contains { $0["detail"]?.text?.contains("MULTI-INDEX OR") == true })
        let rows = try db.query("SELECT a, b FROM grid WHERE a = 1 OR b = 1")
        let got = rows.map { [$0["a"]!.integer!, $0["b"]!.integer!] }
        let expected = GridTable.pairs(copies: copies).filter { $0.0 == 1 || $0.1 == 1 }.map { [$0.0, $0.1] }
        #expect(got.count == expected.count)
        #expect(got.sorted { $0.lexicographicallyPrecedes($1) } == expected.sorted { $0.lexicographicallyPrecedes($1) })
    }
}
