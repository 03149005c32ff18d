import Synchronization
import VigilSQL

/// A table for engine tests: rows 1...count, and a record of every QueryContext it
/// was asked with, so tests can see exactly what the planner pushed down.
final class RecordingTable: VirtualTable, Sendable {
    let schema: TableSchema
    let count: Int
    let contexts = Mutex<[QueryContext]>([])

    init(name: String = "numbers", count: Int = 10, required: Bool = false, idFlags: ColumnFlags? = nil) {
        self.count = count
        schema = TableSchema(name, "Numbers for tests", [
            Column("id", .bigint, "row number", idFlags ?? (required ? [.required] : [.index])),
            Column("square", .bigint, "id squared"),
            Column("label", .text, "id as text"),
            Column("note", .text, "hidden column", .hidden),
        ])
    }

    var calls: [QueryContext] { contexts.withLock { $0 } }

    func generate(_ context: QueryContext) throws -> RowSequence {
        contexts.withLock { $0.append(context) }
        let ids: [Int64] = context.integers("id") ?? Array(1...Int64(count))
        return RowSequence(ids.filter { $0 >= 1 && $0 <= Int64(count) }) { [schema] id in
            var row = Row(schema)
            row["id"] = .integer(id)
            if context.isUsed("square") { row["square"] = .integer(id * id) }
            row["label"] = .text("n\(id)")
            row["note"] = .text("hidden \(id)")
            return row
        }
    }
}
