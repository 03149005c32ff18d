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

    /// PRAGMAs that only read, allowed when they set nothing.
    static let readOnlyPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "function_list", "module_list",
        "pragma_list", "collation_list", "compile_options",
    ]
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
            if Self.readOnlyPragmas.contains(name) && (b == nil || name == "table_info" || name == "table_xinfo") {
                return SQLITE_OK
            }
            return refuse("PRAGMA \(name) is not allowed (only read-only pragmas: \(Self.readOnlyPragmas.sorted().joined(separator: ", ")))")
        case SQLITE_ATTACH:
            return refuse("ATTACH is not allowed: queries cannot open database files")
        case SQLITE_DETACH:
            return refuse("DETACH is not allowed")
        case SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE where (a ?? "").hasPrefix("sqlite_"):
            // A CREATE/DROP writes the schema table first; name the statement, not that write.
            return refuse("\(Self.actionName(action)) is not allowed: Vigil's SQL is read-only", weak: true)
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
