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

    /// Equality/IN/LIKE constraints on this column are pushed down to the table, which
    /// reads only the rows they name (osquery's `index=True`).
    public static let index = ColumnFlags(rawValue: 1 << 0)
    /// The table cannot be scanned without a constraint on one of its required columns.
    public static let required = ColumnFlags(rawValue: 1 << 1)
    /// Not returned by `SELECT *`; usable in WHERE and by name.
    public static let hidden = ColumnFlags(rawValue: 1 << 2)
    /// Constraints are pushed down as for `index`, but they tell the table what else to
    /// read (another user's files, another admindir, a namespace) rather than pick rows
    /// of a fixed set (osquery's `additional=True`).
    public static let additional = ColumnFlags(rawValue: 1 << 3)

    /// The flags whose constraints reach the table, as in osquery's xBestIndex.
    public static let pushedDown: ColumnFlags = [.index, .required, .additional]

    public var names: [String] {
        var out: [String] = []
        if contains(.index) { out.append("index") }
        if contains(.required) { out.append("required") }
        if contains(.hidden) { out.append("hidden") }
        if contains(.additional) { out.append("additional") }
        return out
    }
}

/// How SQLite compares a column's values (`=`, `IN`, `<`, `ORDER BY`, `GROUP BY`), as
/// osquery's specs declare it (`collate="nocase"`, `collate="version_dpkg"`, …).
public enum ColumnCollation: String, Sendable {
    /// ASCII letters compare without case (SQLite's NOCASE): osquery's `collate="nocase"`.
    case noCase = "NOCASE"
    /// osquery's version orderings (`VersionOrder`), registered on every connection.
    case version = "version"
    case versionArch = "version_arch"
    case versionDpkg = "version_dpkg"
    case versionRhel = "version_rhel"
}

public struct Column: Sendable {
    public let name: String
    public let type: ColumnType
    public let description: String
    public let flags: ColumnFlags
    /// Set for a column osquery defines only on other platforms: the platforms it names.
    public let otherPlatform: String?
    /// Set for a second name of another column: that column's name.
    public let aliasOf: String?
    /// The column's declared collation; nil is SQLite's default (BINARY).
    public let collation: ColumnCollation?

    public init(_ name: String, _ type: ColumnType, _ description: String, _ flags: ColumnFlags = []) {
        self.init(name, type, description, flags, otherPlatform: nil, aliasOf: nil, collation: nil)
    }

    private init(_ name: String, _ type: ColumnType, _ description: String, _ flags: ColumnFlags, otherPlatform: String?, aliasOf: String?, collation: ColumnCollation?) {
        self.name = name
        self.type = type
        self.description = description
        self.flags = flags
        self.otherPlatform = otherPlatform
        self.aliasOf = aliasOf
        self.collation = collation
    }

    /// This column compared under `collation`, which SQLite applies to every comparison
    /// with it unless the query names another (`x = 'A' COLLATE BINARY`). A pushed-down
    /// column (index, required, additional) must then be generated to match under it too:
    /// SQLite re-checks the rows a table returns but never asks for ones it left out, so a
    /// NOCASE column's table answers `=` and `IN` case-insensitively. Not for a hidden
    /// column: SQLite takes HIDDEN out of the declared type in place (sqlite3VtabCallConnect),
    /// which leaves the collation stored after the type unreadable, and the column
    /// compares as BINARY.
    public func collated(_ collation: ColumnCollation) -> Column {
        precondition(!flags.contains(.hidden), "column \(name): SQLite drops the collation of a hidden virtual-table column")
        return Column(name, type, description, flags, otherPlatform: otherPlatform, aliasOf: aliasOf, collation: collation)
    }

    /// A column osquery's spec defines only for `platforms` (an `extended_schema(WINDOWS, …)`
    /// block). osquery's code generator still declares it on Linux, hidden, so a query
    /// written for that platform prepares; here it is always NULL (`Row` refuses a value).
    public static func otherPlatform(_ name: String, _ type: ColumnType, _ platforms: String, _ description: String) -> Column {
        Column(name, type, "\(platforms) only: \(description); NULL on Linux", .hidden, otherPlatform: platforms, aliasOf: nil, collation: nil)
    }

    /// A second name for the column `target` (osquery's `aliases=[…]`, kept for queries
    /// written against an older schema): hidden, and it reads the target's value.
    public static func alias(_ name: String, of target: String, _ type: ColumnType) -> Column {
        Column(name, type, "Same as \(target) (an older name for it)", .hidden, otherPlatform: nil, aliasOf: target, collation: nil)
    }

    /// A column that never holds a value of its own: another platform's, or an alias.
    var isPlaceholder: Bool { otherPlatform != nil || aliasOf != nil }
}

/// A table's declarative schema: what SQLite is told, what docs are generated from,
/// and which constraints the planner may push down.
public final class TableSchema: Sendable {
    public let name: String
    public let description: String
    public let columns: [Column]
    /// Column name → position, for `Row` writes.
    let positions: [String: Int]
    /// Position → the position whose value SQLite reads there: itself, or an alias's target.
    let sources: [Int]
    /// Position → the aliases that read it, so that a query using only an alias still
    /// has the target computed.
    let aliases: [Int: [Int]]

    public init(_ name: String, _ description: String, _ columns: [Column]) {
        self.name = name
        self.description = description
        self.columns = columns
        var positions: [String: Int] = [:]
        for (i, c) in columns.enumerated() {
            precondition(positions[c.name] == nil, "table \(name) declares column \(c.name) twice")
            positions[c.name] = i
        }
        var aliases: [Int: [Int]] = [:]
        sources = columns.enumerated().map { i, c in
            guard let target = c.aliasOf else { return i }
            guard let t = positions[target], columns[t].aliasOf == nil, columns[t].type == c.type else {
                preconditionFailure("table \(name): alias \(c.name) names \(target), which is not a column of type \(c.type.rawValue)")
            }
            aliases[t, default: []].append(i)
            return t
        }
        self.positions = positions
        self.aliases = aliases
    }

    public func position(of column: String) -> Int? { positions[column] }

    /// Where SQLite's column `i` takes its value in a row.
    func source(of i: Int) -> Int { i < sources.count ? sources[i] : i }

    /// Whether any column is required (the table cannot be scanned unconstrained).
    public var requiredColumns: [String] { columns.filter { $0.flags.contains(.required) }.map(\.name) }

    /// The CREATE TABLE statement passed to sqlite3_declare_vtab. No PRIMARY KEY, though
    /// osquery declares its index columns as one (WITHOUT ROWID): SQLite then takes those
    /// columns to be NOT NULL and unique, which a table's rows need not be, and answers
    /// from that belief. With osquery's key, `SELECT * FROM routes WHERE gateway IS NULL`
    /// returned no rows on a host with eight. So `pk` in PRAGMA table_info stays 0.
    public var createStatement: String {
        let cols = columns.map { c in
            "\"\(c.name)\" \(c.type.sqlDeclaration)\(c.flags.contains(.hidden) ? " HIDDEN" : "")"
                + (c.collation.map { " COLLATE \($0.rawValue)" } ?? "")
        }
        return "CREATE TABLE \"\(name)\"(\(cols.joined(separator: ", ")))"
    }
}
