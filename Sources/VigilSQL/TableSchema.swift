/// Column types as osquery's table specs name them; all map onto SQLite affinities.
public enum ColumnType: String, Sendable {
    case text = "TEXT"
    case integer = "INTEGER"
    case bigint = "BIGINT"
    case unsignedBigint = "UNSIGNED_BIGINT"
    case double = "DOUBLE"
    case blob = "BLOB"
    /// osquery's DATETIME (certificates' validity bounds): seconds since the epoch.
    case datetime = "DATETIME"

    /// The declared type in the CREATE TABLE statement given to SQLite.
    var sqlDeclaration: String {
        switch self {
        case .text: return "TEXT"
        case .integer: return "INTEGER"
        case .bigint: return "BIGINT"
        case .unsignedBigint: return "UNSIGNED BIGINT"
        case .double: return "DOUBLE"
        case .blob: return "BLOB"
        case .datetime: return "DATETIME"
        }
    }
}

/// Flags on a column, as in osquery's specs.
public struct ColumnFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Equality/IN constraints on this column are pushed down to the table.
    public static let index = ColumnFlags(rawValue: 1 << 0)
    /// The table cannot be scanned without a constraint on one of its required columns.
    public static let required = ColumnFlags(rawValue: 1 << 1)
    /// Not returned by `SELECT *`; usable in WHERE and by name.
    public static let hidden = ColumnFlags(rawValue: 1 << 2)
    /// Expensive: computed only when the query uses it.
    public static let additional = ColumnFlags(rawValue: 1 << 3)

    public var names: [String] {
        var out: [String] = []
        if contains(.index) { out.append("index") }
        if contains(.required) { out.append("required") }
        if contains(.hidden) { out.append("hidden") }
        if contains(.additional) { out.append("additional") }
        return out
    }
}

public struct Column: Sendable {
    public let name: String
    public let type: ColumnType
    public let description: String
    public let flags: ColumnFlags

    public init(_ name: String, _ type: ColumnType, _ description: String, _ flags: ColumnFlags = []) {
        self.name = name
        self.type = type
        self.description = description
        self.flags = flags
    }
}

/// A table's declarative schema: what SQLite is told, what docs are generated from,
/// and which constraints the planner may push down.
public final class TableSchema: Sendable {
    public let name: String
    public let description: String
    public let columns: [Column]
    /// Column name → position, for `Row` writes.
    let positions: [String: Int]

    public init(_ name: String, _ description: String, _ columns: [Column]) {
        self.name = name
        self.description = description
        self.columns = columns
        var positions: [String: Int] = [:]
        for (i, c) in columns.enumerated() {
            precondition(positions[c.name] == nil, "table \(name) declares column \(c.name) twice")
            positions[c.name] = i
        }
        self.positions = positions
    }

    public func position(of column: String) -> Int? { positions[column] }

    /// Whether any column is required (the table cannot be scanned unconstrained).
    public var requiredColumns: [String] { columns.filter { $0.flags.contains(.required) }.map(\.name) }

    /// The CREATE TABLE statement passed to sqlite3_declare_vtab.
    public var createStatement: String {
        let cols = columns.map { c in
            "\"\(c.name)\" \(c.type.sqlDeclaration)\(c.flags.contains(.hidden) ? " HIDDEN" : "")"
        }
        return "CREATE TABLE \"\(name)\"(\(cols.joined(separator: ", ")))"
    }
}
