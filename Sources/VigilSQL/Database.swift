import CSQLite
import Logging

/// An in-memory SQLite connection with Vigil's tables registered as eponymous
/// virtual tables, hardened so that no query can touch the file system: no
/// extension loading, no ATTACH (limit 0 also stops VACUUM INTO), defensive
/// mode, and an authorizer that allows reading only.
public final class Database {
    let handle: OpaquePointer
    let authorizer = Authorizer()
    let clock = QueryClock()
    private var contexts: [ModuleContext] = []
    private let module: UnsafeMutablePointer<sqlite3_module>
    public let tables: [String: any VirtualTable]
    /// Tables served elsewhere, not here: a name, and where to ask for it, said in the
    /// error a statement naming it gets (the agent's event tables in `vigil query`).
    public var tablesElsewhere: [String: String] = [:]
    let logger: Logger

    public init(tables: [any VirtualTable], logger: Logger = Logger(label: "vigil.sql")) throws(SQLError) {
        self.logger = logger
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(":memory:", &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLError.from(db, code: rc)
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        module = .allocate(capacity: 1)
        module.initialize(to: VirtualTableModule.make())
        var byName: [String: any VirtualTable] = [:]
        for t in tables { byName[t.schema.name] = t }
        self.tables = byName
        do {
            try harden()
            try registerCollations()
            for t in tables { try register(t) }
            for f in SQLFunction.osquery { try register(f) }
        } catch {
            sqlite3_close_v2(db)
            module.deallocate()
            throw error
        }
    }

    deinit {
        sqlite3_close_v2(handle)
        module.deinitialize(count: 1)
        module.deallocate()
    }

    private func check(_ rc: Int32) throws(SQLError) {
        if rc != SQLITE_OK { throw SQLError.from(handle, code: rc) }
    }

    private func harden() throws(SQLError) {
        try check(vigil_sqlite_db_config_int(handle, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0))
        try check(vigil_sqlite_db_config_int(handle, SQLITE_DBCONFIG_DEFENSIVE, 1))
        try check(vigil_sqlite_db_config_int(handle, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0))
        sqlite3_limit(handle, SQLITE_LIMIT_ATTACHED, 0)
        // Sorts, temporary b-trees and materialized views in memory, under the heap
        // limit, never in files under /var/tmp that a query could grow without bound.
        try check(sqlite3_exec(handle, "PRAGMA temp_store = MEMORY", nil, nil, nil))
        installProgressHandler()
        let ctx = Unmanaged.passUnretained(authorizer).toOpaque()
        try check(sqlite3_set_authorizer(handle, { ctx, action, a, b, _, _ in
            let authorizer = Unmanaged<Authorizer>.fromOpaque(ctx!).takeUnretainedValue()
            return authorizer.authorize(action, a.map { String(cString: $0) }, b.map { String(cString: $0) })
        }, ctx))
    }

    private func register(_ table: any VirtualTable) throws(SQLError) {
        let ctx = ModuleContext(table, authorizer: authorizer)
        contexts.append(ctx)
        try check(sqlite3_create_module_v2(handle, table.schema.name, module, Unmanaged.passUnretained(ctx).toOpaque(), nil))
    }

    /// Prepare the first statement of `sql`; `rest` is what follows it. SQL with a NUL
    /// byte is refused (`SQLError.nulByte`): SQLite stops reading at it, so what ran
    /// would not be what was sent, and a statement starting with one consumes nothing.
    public func prepare(_ sql: String) throws(SQLError) -> (statement: Statement?, rest: Substring) {
        if let nul = SQLError.nulByte(in: sql) { throw nul }
        var result: Result<(Statement?, Substring), SQLError> = .success((nil, ""))
        sql.withCString { base in
            var stmt: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            authorizer.lastRefusal = nil
            let rc = sqlite3_prepare_v3(handle, base, -1, 0, &stmt, &tail)
            guard rc == SQLITE_OK else {
                result = .failure(error(code: rc, sql: sql))
                return
            }
            let consumed = tail.map { $0 - base } ?? sql.utf8.count
            let utf8 = sql.utf8
            let split = utf8.index(utf8.startIndex, offsetBy: consumed)
            let text = String(sql[..<split]).trimmingWhitespace()
            if let stmt, let reason = Authorizer.refusal(forStatement: text) {
                sqlite3_finalize(stmt)
                result = .failure(SQLError(code: SQLITE_AUTH, message: "not authorized: \(reason)"))
                return
            }
            result = .success((stmt.map { Statement(handle: $0, database: self, sql: text) }, sql[split...]))
        }
        return try result.get()
    }

    /// Run every statement in `sql`, calling `body` for each prepared one before
    /// it is stepped (the caller steps it).
    public func forEachStatement(_ sql: String, _ body: (Statement) throws -> Void) throws {
        var rest = Substring(sql)
        while !rest.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            let statement: Statement?, tail: Substring
            do {
                (statement, tail) = try prepare(String(rest))
            } catch {
                // SQLite counts from the start of this statement; callers point into all of `sql`.
                throw error.shifted(by: sql.utf8.count - rest.utf8.count)
            }
            if let statement { try body(statement) }
            // Every turn must consume text; one that did not would repeat forever.
            guard tail.utf8.count < rest.utf8.count else {
                throw SQLError(code: SQLITE_ERROR, message: "cannot read the SQL past this point",
                               offset: sql.utf8.count - rest.utf8.count)
            }
            rest = tail
        }
    }

    /// Every row of a single query, for tests and small internal queries.
    public func query(_ sql: String) throws -> [[String: SQLValue]] {
        var out: [[String: SQLValue]] = []
        try forEachStatement(sql) { s in
            let names = s.columnNames
            while try s.step() {
                var row: [String: SQLValue] = [:]
                for (n, v) in zip(names, s.row()) { row[n] = v }
                out.append(row)
            }
        }
        return out
    }

    /// The SQLite library's version (sqlite3_libversion).
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }

    /// Whether `sql` ends with a complete statement (sqlite3_complete), for the shell's continuation lines.
    public static func isComplete(_ sql: String) -> Bool { sqlite3_complete(sql) != 0 }

    /// Ask a running query to stop at its next opportunity (sqlite3_interrupt).
    public func interrupt() { sqlite3_interrupt(handle) }

    /// Build an error with a clearer message than SQLite's where Vigil knows more.
    func error(code: Int32, sql: String) -> SQLError {
        if let reason = Authorizer.refusal(forStatement: sql) {
            // Refused whatever else is wrong with it (`REINDEX nosuch`).
            return SQLError(code: SQLITE_AUTH, message: "not authorized: \(reason)")
        }
        if let limit = limitError(code: code) { return limit }
        var base = SQLError.from(handle, code: code)
        if base.offset == nil, base.message == "incomplete input" {
            // SQLite gives no position here; the statement stopped short at its end.
            let trailing = sql.reversed().prefix(while: { $0.isWhitespace }).reduce(0) { $0 + $1.utf8.count }
            base = SQLError(code: code, message: base.message, offset: sql.utf8.count - trailing)
        }
        if code == SQLITE_AUTH, authorizer.lastRefusalIsWeak {
            return SQLError(code: code, message: "not authorized: \(Self.statementKind(sql)) is not allowed: Vigil's SQL is read-only", offset: base.offset)
        }
        if code == SQLITE_AUTH, let reason = authorizer.lastRefusal {
            return SQLError(code: code, message: "not authorized: \(reason)", offset: base.offset)
        }
        if let name = base.message.suffix(after: "no such table: ") {
            let bare = name.split(separator: ".").last.map(String.init) ?? name
            if let elsewhere = tablesElsewhere[bare] {
                return SQLError(code: code, message: base.message + "; " + elsewhere, offset: base.offset)
            }
            let close = Suggestions.closest(to: bare, in: tables.keys)
            let hint = close.isEmpty ? "; run .tables or `vigil tables` for the list" : "; did you mean \(close.joined(separator: ", "))?"
            return SQLError(code: code, message: base.message + hint, offset: base.offset)
        }
        if let name = base.message.suffix(after: "no such column: ") {
            let bare = name.split(separator: ".").last.map(String.init) ?? name
            // Prefer the columns of the tables this statement names.
            let words = Suggestions.identifiers(in: sql)
            let named = tables.values.filter { words.contains($0.schema.name) }
            let scope = named.isEmpty ? Array(tables.values) : named
            let close = Suggestions.closest(to: bare, in: Set(scope.flatMap { $0.schema.columns.map(\.name) }))
            let hint = close.isEmpty ? "" : "; did you mean \(close.joined(separator: ", "))?"
            return SQLError(code: code, message: base.message + hint, offset: base.offset)
        }
        return base
    }
}

extension Database {
    /// "CREATE TEMP TABLE" from "create temp table t(x)": the words up to the object
    /// kind; "INSERT" from "insert into t(x) values (1)".
    static func statementKind(_ sql: String) -> String {
        let kinds: Set<String> = ["TABLE", "VIEW", "INDEX", "TRIGGER"]
        let leading = Authorizer.leadingWords(sql, count: 5)
        if let first = leading.first, !["CREATE", "DROP"].contains(first) { return first }
        var words: [String] = []
        for w in leading {
            words.append(w)
            if kinds.contains(w) { break }
        }
        return words.joined(separator: " ")
    }
}

extension String {
    func suffix(after prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }

    func trimmingWhitespace() -> String {
        let s = drop(while: { $0.isWhitespace })
        return String(s.reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
