import CSQLite

/// Decides which statements may run. Vigil's SQL is read-only: SQL will arrive from
/// a fleet server while the agent runs as root, so nothing a query says may write,
/// attach a file, load code or change how the engine behaves.
final class Authorizer {
    /// Why the last refusal happened, to replace SQLite's bare "not authorized".
    var lastRefusal: String? {
        didSet { if lastRefusal == nil { lastRefusalIsWeak = false } }
    }
    /// True only while a table declares its own schema (sqlite3_declare_vtab).
    var declaringTable = false

    /// PRAGMAs that only read, as statements (`PRAGMA table_info(processes)`) and as
    /// table-valued functions (`SELECT * FROM pragma_table_list`). None of them has a
    /// setting, so an argument only names what to describe.
    static let readOnlyPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
        "function_list", "module_list", "pragma_list", "collation_list", "compile_options",
    ]
    /// The schema table under its names.
    static let schemaTables: Set<String> = ["sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_temp_schema"]
    /// Functions that reach outside the database.
    static let deniedFunctions: Set<String> = ["load_extension", "fts3_tokenizer", "readfile", "writefile", "edit"]

    func authorize(_ action: Int32, _ a: String?, _ b: String?) -> Int32 {
        if declaringTable { return SQLITE_OK }
        switch action {
        case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
            return SQLITE_OK
        case SQLITE_FUNCTION:
            if let name = b?.lowercased(), Self.deniedFunctions.contains(name) {
                return refuse("the function \(name)() is not allowed")
            }
            return SQLITE_OK
        case SQLITE_PRAGMA:
            let name = (a ?? "").lowercased()
            if Self.readOnlyPragmas.contains(name) { return SQLITE_OK }
            return refuse("PRAGMA \(name) is not allowed (only read-only pragmas: \(Self.readOnlyPragmas.sorted().joined(separator: ", ")))")
        case SQLITE_ATTACH:
            return refuse("ATTACH is not allowed: queries cannot open database files")
        case SQLITE_DETACH:
            return refuse("DETACH is not allowed")
        case SQLITE_UPDATE where Self.schemaTables.contains((a ?? "").lowercased()):
            // Connecting one of SQLite's own pragma_* tables declares its schema, and
            // SQLite asks to update the schema table's columns while doing so; refusing
            // would make `SELECT * FROM pragma_table_info('processes')` fail. A real
            // write is still impossible: defensive mode, without writable_schema, makes
            // SQLite refuse it ("table sqlite_master may not be modified").
            return SQLITE_OK
        case SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE:
            // A CREATE/DROP writes the schema table first; name the statement, not that write.
            let weak = (a ?? "").hasPrefix("sqlite_")
            return refuse("\(Self.actionName(action)) is not allowed: Vigil's SQL is read-only", weak: weak)
        default:
            return refuse("\(Self.actionName(action)) is not allowed: Vigil's SQL is read-only")
        }
    }

    /// True when the refusal was of the schema-table write that every CREATE/DROP
    /// starts with; SQLite stops there, so the caller names the statement instead.
    private(set) var lastRefusalIsWeak = false

    private func refuse(_ reason: String, weak: Bool = false) -> Int32 {
        if lastRefusal == nil || (lastRefusalIsWeak && !weak) {
            lastRefusal = reason
            lastRefusalIsWeak = weak
        }
        return SQLITE_DENY
    }

    /// Why a prepared statement that SQLite never showed the authorizer is refused,
    /// from its first keyword; nil to let it run. VACUUM codes no authorizer call at
    /// all (VACUUM INTO only meets one, for an ATTACH, when it runs), and neither
    /// does REINDEX when no index is named. Both are refused before they run: VACUUM
    /// INTO writes a file, and neither has anything to do on Vigil's in-memory,
    /// index-free database.
    static func refusal(forStatement sql: String) -> String? {
        switch leadingWords(sql, count: 1).first {
        case "VACUUM":
            if sql.uppercased().contains("INTO") {
                return "VACUUM INTO is not allowed: queries cannot write database files"
            }
            return "VACUUM is not allowed: Vigil's SQL is read-only"
        case "REINDEX":
            return "REINDEX is not allowed: Vigil's SQL is read-only"
        default:
            return nil
        }
    }

    /// The first `count` words of `sql`, upper-cased, skipping blanks, comments and
    /// empty statements (`; REINDEX` is prepared as REINDEX: SQLite skips the `;`).
    static func leadingWords(_ sql: String, count: Int) -> [String] {
        var words: [String] = []
        var rest = Substring(sql)
        while words.count < count {
            rest = rest.drop(while: { $0.isWhitespace || $0 == ";" })
            if rest.hasPrefix("--") {
                rest = rest.drop(while: { $0 != "\n" })
            } else if rest.hasPrefix("/*") {
                guard let end = rest.firstRange(of: "*/") else { break }
                rest = rest[end.upperBound...]
            } else {
                let word = rest.prefix(while: { $0.isLetter || $0 == "_" })
                if word.isEmpty { break }
                words.append(word.uppercased())
                rest = rest[word.endIndex...]
            }
        }
        return words
    }

    static func actionName(_ action: Int32) -> String {
        switch action {
        case SQLITE_INSERT: return "INSERT"
        case SQLITE_UPDATE: return "UPDATE"
        case SQLITE_DELETE: return "DELETE"
        case SQLITE_TRANSACTION: return "a transaction statement"
        case SQLITE_SAVEPOINT: return "SAVEPOINT"
        case SQLITE_ALTER_TABLE: return "ALTER TABLE"
        case SQLITE_REINDEX: return "REINDEX"
        case SQLITE_ANALYZE: return "ANALYZE"
        case SQLITE_CREATE_VTABLE: return "CREATE VIRTUAL TABLE"
        case SQLITE_DROP_VTABLE: return "DROP VIRTUAL TABLE"
        case SQLITE_CREATE_TABLE, SQLITE_CREATE_TEMP_TABLE: return "CREATE TABLE"
        case SQLITE_CREATE_VIEW, SQLITE_CREATE_TEMP_VIEW: return "CREATE VIEW"
        case SQLITE_CREATE_INDEX, SQLITE_CREATE_TEMP_INDEX: return "CREATE INDEX"
        case SQLITE_CREATE_TRIGGER, SQLITE_CREATE_TEMP_TRIGGER: return "CREATE TRIGGER"
        case SQLITE_DROP_TABLE, SQLITE_DROP_TEMP_TABLE: return "DROP TABLE"
        case SQLITE_DROP_VIEW, SQLITE_DROP_TEMP_VIEW: return "DROP VIEW"
        case SQLITE_DROP_INDEX, SQLITE_DROP_TEMP_INDEX: return "DROP INDEX"
        case SQLITE_DROP_TRIGGER, SQLITE_DROP_TEMP_TRIGGER: return "DROP TRIGGER"
        default: return "this statement (authorizer action \(action))"
        }
    }
}
