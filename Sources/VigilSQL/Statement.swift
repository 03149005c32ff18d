import CSQLite

/// A prepared statement (sqlite3_stmt), finalized when released.
public final class Statement {
    let handle: OpaquePointer
    let database: Database
    /// The SQL text of this one statement.
    public let sql: String

    init(handle: OpaquePointer, database: Database, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public var columnNames: [String] {
        (0..<sqlite3_column_count(handle)).map { String(cString: sqlite3_column_name(handle, $0)) }
    }

    /// True for `EXPLAIN QUERY PLAN …` (sqlite3_stmt_isexplain == 2).
    public var isQueryPlan: Bool { sqlite3_stmt_isexplain(handle) == 2 }

    /// Advance to the next row (sqlite3_step); false when done.
    public func step() throws(SQLError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(code: rc, sql: sql)
        }
    }

    /// The current row's values.
    public func row() -> [SQLValue] {
        (0..<sqlite3_column_count(handle)).map { i in
            Self.value(of: sqlite3_column_value(handle, i))
        }
    }

    static func value(of value: OpaquePointer?) -> SQLValue {
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER: return .integer(sqlite3_value_int64(value))
        case SQLITE_FLOAT: return .double(sqlite3_value_double(value))
        case SQLITE_TEXT:
            let n = Int(sqlite3_value_bytes(value))
            guard let p = sqlite3_value_text(value) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        case SQLITE_BLOB:
            let n = Int(sqlite3_value_bytes(value))
            guard let p = sqlite3_value_blob(value) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }
}
