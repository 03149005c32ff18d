/// A table over the live system. Implementations hold no per-query state: each
/// scan calls `generate` with that scan's `QueryContext`.
public protocol VirtualTable: Sendable {
    var schema: TableSchema { get }
    /// Produce the rows for one scan. Rows are pulled one at a time, so a table
    /// that reads lazily keeps memory flat however large the result.
    func generate(_ context: QueryContext) throws -> RowSequence
}

/// One row being filled in by a table; unset columns are NULL.
public struct Row: Sendable {
    public let schema: TableSchema
    public private(set) var values: [SQLValue]

    public init(_ schema: TableSchema) {
        self.schema = schema
        self.values = Array(repeating: .null, count: schema.columns.count)
    }

    public subscript(column: String) -> SQLValue {
        get { schema.position(of: column).map { values[$0] } ?? .null }
        set {
            guard let i = schema.position(of: column) else {
                assertionFailure("table \(schema.name) has no column \(column)")
                return
            }
            // Another platform's column stays NULL and an alias reads its target:
            // neither takes a value of its own.
            guard !schema.columns[i].isPlaceholder else {
                if newValue != .null { assertionFailure("table \(schema.name): column \(column) holds no value of its own") }
                return
            }
            values[i] = newValue
        }
    }
}

/// A pull-based stream of rows. `next()` returns nil at the end.
public struct RowSequence {
    let nextRow: () throws -> Row?

    /// Rows produced lazily by `next` until it returns nil.
    public init(next: @escaping () throws -> Row?) { self.nextRow = next }

    /// Rows already in memory (small tables).
    public init(_ rows: [Row]) {
        var iterator = rows.makeIterator()
        self.nextRow = { iterator.next() }
    }

    /// Rows produced lazily from each element of `source`; `transform` returns nil to skip one.
    public init<S: Sequence>(_ source: S, _ transform: @escaping (S.Element) throws -> Row?) {
        var iterator = source.makeIterator()
        self.nextRow = {
            while let element = iterator.next() {
                if let row = try transform(element) { return row }
            }
            return nil
        }
    }

    public func next() throws -> Row? { try nextRow() }
}

/// Errors a table raises for a whole scan (per-row problems become NULL columns instead).
public struct TableError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// A scan without the constraint a required column needs.
    public static func missingRequired(_ schema: TableSchema) -> TableError {
        let cols = schema.requiredColumns
        let example = cols.first.map { "WHERE \($0) = '...'" } ?? ""
        let which = cols.count == 1 ? "column \(cols[0])" : "one of the columns \(cols.joined(separator: ", "))"
        return TableError("table \(schema.name) requires an equality or IN constraint on \(which) (for example: SELECT * FROM \(schema.name) \(example))")
    }
}
