/// What a query asks of one table scan: the equality/IN constraints SQLite pushed
/// down on indexed columns, and the columns the query actually reads. A table uses
/// it to read only what is asked (one /proc entry for `pid = 1`) and to skip
/// expensive columns nobody selected.
public struct QueryContext: Sendable {
    public let schema: TableSchema
    /// Column name → the values it must equal (one for `=`, several for `IN`).
    public let constraints: [String: [SQLValue]]
    /// Column name → LIKE patterns on it (`path LIKE '/etc/%'`). SQLite still applies
    /// the LIKE to every row, so a table may return a superset.
    public let patterns: [String: [String]]
    let usedMask: UInt64

    public init(schema: TableSchema, constraints: [String: [SQLValue]] = [:], patterns: [String: [String]] = [:], usedMask: UInt64 = .max) {
        self.schema = schema
        self.constraints = constraints
        self.patterns = patterns
        self.usedMask = usedMask
    }

    /// LIKE patterns on `column`, or nil when there are none.
    public func likePatterns(_ column: String) -> [String]? { patterns[column] }

    /// Whether the query reads `column`, by its name or an alias of it. SQLite folds
    /// columns past 63 into bit 63.
    public func isUsed(_ column: String) -> Bool {
        guard let i = schema.position(of: column) else { return false }
        return ([i] + (schema.aliases[i] ?? [])).contains { usedMask & (1 << UInt64(min($0, 63))) != 0 }
    }

    /// Whether the query reads any of `columns`.
    public func isAnyUsed(_ columns: String...) -> Bool { columns.contains(where: isUsed) }

    /// Values `column` is constrained to, or nil when the query does not constrain it.
    public func values(_ column: String) -> [SQLValue]? { constraints[column] }

    /// Text values of a constraint (NULLs dropped), or nil when unconstrained.
    public func texts(_ column: String) -> [String]? {
        constraints[column].map { $0.compactMap(\.text) }
    }

    /// Integer values of a constraint (non-integers dropped), or nil when unconstrained.
    public func integers(_ column: String) -> [Int64]? {
        constraints[column].map { $0.compactMap(\.integer) }
    }
}
