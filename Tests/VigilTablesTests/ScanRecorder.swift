import Synchronization
import Testing
import VigilSQL
import VigilTables

/// A table of the registry wrapped so a test sees what SQLite handed it and what it
/// produced before SQLite's own filtering: the proof of a pushdown is that the table
/// made only the asked-for rows, since SQLite re-checks every constraint and a full
/// scan gives the same result set. Test-only; production tables carry no hook.
final class ScanRecorder: VirtualTable {
    struct Scan: Sendable {
        var context: QueryContext
        var rows: [[String: SQLValue]] = []
    }

    let inner: any VirtualTable
    private let recorded = Mutex<[Scan]>([])

    init(_ name: String) throws {
        let table = TableRegistry.all().first { $0.schema.name == name }
        inner = try #require(table, "no table \(name)")
    }

    var schema: TableSchema { inner.schema }
    var scans: [Scan] { recorded.withLock { $0 } }

    func generate(_ context: QueryContext) throws -> RowSequence {
        let index = recorded.withLock { scans in
            scans.append(Scan(context: context))
            return scans.count - 1
        }
        let rows = try inner.generate(context)
        return RowSequence { [self] in
            guard let row = try rows.next() else { return nil }
            let named = Dictionary(uniqueKeysWithValues: zip(row.schema.columns.map(\.name), row.values))
            recorded.withLock { $0[index].rows.append(named) }
            return row
        }
    }

    /// Runs `sql` against this table alone.
    func query(_ sql: String) throws -> [[String: SQLValue]] {
        try Database(tables: [self]).query(sql)
    }
}
