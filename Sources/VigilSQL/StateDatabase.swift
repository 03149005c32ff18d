import CSQLite

/// A file-backed SQLite connection for Vigil's own state (the agent's state store),
/// apart from `Database`, which serves user queries in memory behind a read-only
/// authorizer. Write-ahead log, so that a kill -9 at any instant leaves a database
/// that opens cleanly, and the supervisor can read while the worker writes.
public final class StateDatabase {
    /// How much a commit survives: a killed process (the OS still holds the pages)
    /// or a power cut (fsync of the WAL at every commit).
    public enum Durability: Sendable {
        case processCrash
        case powerLoss
    }

    let handle: OpaquePointer
    public let path: String
    /// Prepared statements by SQL text, reused: the store runs the same few statements for every query.
    private var cache: [String: OpaquePointer] = [:]

    /// Open (creating if needed) `path` in WAL mode (sqlite3_open_v2). `cacheKiB` bounds
    /// the connection's page cache (SQLite's default is 2 MiB, which a long-running
    /// connection fills as the write-ahead log grows).
    public init(path: String, durability: Durability = .powerLoss, busyTimeoutMilliseconds: Int32 = 5000, cacheKiB: Int? = nil) throws(SQLError) {
        self.path = path
        var db: OpaquePointer?
        // NOFOLLOW: a link planted in place of the database would have the agent write
        // through it (SQLite also refuses a link among its -wal and -shm files then).
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLError.from(db, code: rc)
            sqlite3_close_v2(db)
            throw SQLError(code: error.code, message: "\(path): \(error.message)")
        }
        handle = db
        do throws(SQLError) {
            try check(vigil_sqlite_db_config_int(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0))
            try check(vigil_sqlite_db_config_int(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0))
            try check(sqlite3_busy_timeout(db, busyTimeoutMilliseconds))
            let mode = try rows("PRAGMA journal_mode = WAL").first?.first?.text
            guard mode?.lowercased() == "wal" else {
                throw SQLError(code: SQLITE_ERROR, message: "\(path): cannot use a write-ahead log (journal_mode is \(mode ?? "unknown"))")
            }
            try execute("PRAGMA synchronous = \(durability == .powerLoss ? "FULL" : "NORMAL")")
            if let cacheKiB { try execute("PRAGMA cache_size = -\(max(64, cacheKiB))") }
        } catch {
            sqlite3_close_v2(db)
            throw error
        }
    }

    deinit {
        for statement in cache.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    private func check(_ rc: Int32) throws(SQLError) {
        if rc != SQLITE_OK { throw SQLError.from(handle, code: rc) }
    }

    /// Run one or more statements that take no parameters (sqlite3_exec).
    public func execute(_ sql: String) throws(SQLError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(message)
            throw SQLError(code: rc, message: text)
        }
    }

    /// Run one statement with `arguments` bound to its `?` parameters; the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ arguments: [SQLValue] = []) throws(SQLError) -> Int {
        _ = try rows(sql, arguments)
        return Int(sqlite3_changes(handle))
    }

    /// Every row of one statement with `arguments` bound, values in column order.
    public func rows(_ sql: String, _ arguments: [SQLValue] = []) throws(SQLError) -> [[SQLValue]] {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (i, value) in arguments.enumerated() { try bind(value, at: Int32(i + 1), in: statement) }
        var out: [[SQLValue]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw SQLError.from(handle, code: rc) }
            out.append((0..<sqlite3_column_count(statement)).map { Statement.value(of: sqlite3_column_value(statement, $0)) })
        }
        return out
    }

    /// Run `body` in one transaction (BEGIN IMMEDIATE … COMMIT): all of it is stored, or,
    /// if it throws or the process dies first, none of it.
    public func transaction<T>(_ body: () throws(SQLError) -> T) throws(SQLError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The rowid of the last INSERT (sqlite3_last_insert_rowid).
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    private func prepared(_ sql: String) throws(SQLError) -> OpaquePointer {
        if let statement = cache[sql] { return statement }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw SQLError.from(handle, code: rc) }
        cache[sql] = statement
        return statement
    }

    private func bind(_ value: SQLValue, at index: Int32, in statement: OpaquePointer) throws(SQLError) {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(statement, index)
        case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
        case .double(let v): rc = sqlite3_bind_double(statement, index, v)
        case .text(let v): rc = sqlite3_bind_text(statement, index, v, -1, vigil_sqlite_transient())
        case .blob(let v) where v.isEmpty:
            // An empty array has no base address, and a NULL pointer would store NULL.
            rc = sqlite3_bind_zeroblob(statement, index, 0)
        case .blob(let v):
            rc = v.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), vigil_sqlite_transient()) }
        }
        try check(rc)
    }
}
