import VigilSQL

/// The agent's state in one SQLite file (WAL) in the data directory: previous results and
/// counters per query, the "executing" marker, the denylist, per-query statistics, and
/// the outbox of results not yet taken by every output, and each output's cursor over it.
///
/// Crash safety rests on SQLite transactions: everything one query run changes is
/// committed together (see `ResultsRecorder`), so a kill -9 at any instant leaves either
/// the run entirely or not at all.
public final class StateStore {
    public let database: StateDatabase
    public var path: String { database.path }

    static let schemaVersion: Int64 = 1

    public init(path: String, durability: StateDatabase.Durability = .powerLoss) throws(SQLError) {
        // The worker holds five of these for days, and the state is small (the outbox,
        // a day of telemetry): 256 KiB of page cache each, not SQLite's 2 MiB, keeps the
        // idle agent's heap flat; reads that miss come from the OS's page cache.
        database = try StateDatabase(path: path, durability: durability, cacheKiB: 256)
        try migrate()
    }

    private func migrate() throws(SQLError) {
        try database.transaction { () throws(SQLError) in
            try database.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value)")
            let found = try database.rows("SELECT value FROM meta WHERE key = 'schema_version'").first?.first?.integer
            if let found, found > Self.schemaVersion {
                throw SQLError(code: 1, message: "\(path) was written by a newer Vigil (state schema \(found), this one knows \(Self.schemaVersion)); use that version or move the data directory aside")
            }
            try database.execute(Self.schema)
            try database.execute(Self.watchdogSchema)
            try database.execute(Self.telemetrySchema)
            try database.execute(Self.outputsSchema)
            // Written only when it changes: opening an existing store must not need a
            // write, or a full disk would keep even readers (the agent's tables) out.
            if found != Self.schemaVersion {
                try database.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", [.integer(Self.schemaVersion)])
            }
        }
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS query_results(
            name TEXT PRIMARY KEY,
            query_hash INTEGER NOT NULL,  -- a changed query starts afresh
            epoch INTEGER NOT NULL,
            counter INTEGER NOT NULL,
            rows BLOB                     -- the last rows (RowCodec); NULL for snapshot queries
        );
        CREATE TABLE IF NOT EXISTS outbox(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            counter INTEGER NOT NULL,
            payload BLOB NOT NULL,        -- the exact bytes for the results log
            log_inode INTEGER,            -- where the write was attempted; NULL before
            log_offset INTEGER
        );
        CREATE TABLE IF NOT EXISTS executing(
            id INTEGER PRIMARY KEY CHECK (id = 1),
            name TEXT NOT NULL,
            started INTEGER NOT NULL,
            pid INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS executing_adhoc(
            id INTEGER PRIMARY KEY CHECK (id = 1),
            name TEXT NOT NULL,
            started INTEGER NOT NULL,
            pid INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS denylist(
            name TEXT PRIMARY KEY,
            until INTEGER NOT NULL,
            reason TEXT NOT NULL,
            measured TEXT NOT NULL,
            created INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS query_stats(
            name TEXT PRIMARY KEY,
            executions INTEGER NOT NULL DEFAULT 0,
            last_executed INTEGER,
            wall_us INTEGER NOT NULL DEFAULT 0,
            last_wall_us INTEGER NOT NULL DEFAULT 0,
            user_us INTEGER NOT NULL DEFAULT 0,
            last_user_us INTEGER NOT NULL DEFAULT 0,
            system_us INTEGER NOT NULL DEFAULT 0,
            last_system_us INTEGER NOT NULL DEFAULT 0,
            memory_total INTEGER NOT NULL DEFAULT 0,
            last_memory INTEGER NOT NULL DEFAULT 0,
            output_size INTEGER NOT NULL DEFAULT 0,
            last_rows INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            recent_wall BLOB              -- the last wall times (Int64 µs, little-endian), for percentiles
        );
        """

    /// SQLite's quick_check: true when the file is sound.
    public func isIntact() throws(SQLError) -> Bool {
        try database.rows("PRAGMA quick_check").first?.first?.text == "ok"
    }

    // MARK: previous results and counters

    /// What the store remembers of a query's last run.
    public struct QueryState: Sendable, Equatable {
        public var queryHash: Int64
        public var epoch: Int64
        public var counter: Int64
        /// The rows of the last differential run; nil for snapshot queries.
        public var rows: [ResultRow]?
    }

    public func queryState(_ name: String) throws(SQLError) -> QueryState? {
        guard let r = try database.rows("SELECT query_hash, epoch, counter, rows FROM query_results WHERE name = ?", [.text(name)]).first else { return nil }
        var rows: [ResultRow]?
        if case .blob(let bytes) = r[3] {
            guard let decoded = RowCodec.decode(bytes) else {
                throw SQLError(code: 11, message: "the stored results of '\(name)' are unreadable")
            }
            rows = decoded
        }
        return QueryState(queryHash: r[0].integer ?? 0, epoch: r[1].integer ?? 0, counter: r[2].integer ?? 0, rows: rows)
    }

    func saveQueryState(_ name: String, _ state: QueryState) throws(SQLError) {
        try database.run("INSERT OR REPLACE INTO query_results(name, query_hash, epoch, counter, rows) VALUES (?, ?, ?, ?, ?)", [
            .text(name), .integer(state.queryHash), .integer(state.epoch), .integer(state.counter),
            state.rows.map { .blob(RowCodec.encode($0)) } ?? .null,
        ])
    }

    /// Forget the results of queries no longer scheduled, so a query that comes back starts afresh.
    public func forgetResults(except names: Set<String>) throws(SQLError) {
        for row in try database.rows("SELECT name FROM query_results") {
            guard let name = row.first?.text, !names.contains(name) else { continue }
            try database.run("DELETE FROM query_results WHERE name = ?", [.text(name)])
        }
    }

    // MARK: the executing marker

    /// The query the worker is running, as the supervisor reads it after a kill.
    public struct ExecutingMarker: Sendable, Equatable {
        public var name: String
        public var started: Int64
        public var pid: Int32
    }

    /// Record "executing `name`" before running it. A committed transaction of its own,
    /// so that the supervisor sees it even if the worker dies during the query.
    public func markExecuting(_ name: String, at now: Int64, pid: Int32) throws(SQLError) {
        try database.run("INSERT OR REPLACE INTO executing(id, name, started, pid) VALUES (1, ?, ?, ?)", [.text(name), .integer(now), .integer(Int64(pid))])
    }

    public func clearExecuting() throws(SQLError) {
        try database.run("DELETE FROM executing")
    }

    public func executing() throws(SQLError) -> ExecutingMarker? {
        try marker("SELECT name, started, pid FROM executing WHERE id = 1")
    }

    /// An ad hoc query (the admin socket's, later the fleet's live queries) runs beside
    /// the schedule, so it has a marker of its own (`executing_adhoc`), named `adHocName(sql)`.
    public func markAdHoc(_ name: String, at now: Int64, pid: Int32) throws(SQLError) {
        try database.run("INSERT OR REPLACE INTO executing_adhoc(id, name, started, pid) VALUES (1, ?, ?, ?)", [.text(name), .integer(now), .integer(Int64(pid))])
    }

    public func clearAdHoc() throws(SQLError) {
        try database.run("DELETE FROM executing_adhoc")
    }

    /// The marker to blame for a breach: an ad hoc query when one runs (the schedule's
    /// query beside it did not ask for the extra work), else the scheduled one.
    public func blamed() throws(SQLError) -> ExecutingMarker? {
        if let adHoc = try marker("SELECT name, started, pid FROM executing_adhoc") { return adHoc }
        return try executing()
    }

    /// The denylist and marker name of an ad hoc query: its text's stable hash.
    public static func adHocName(_ sql: String) -> String {
        "adhoc_" + String(StableHash.hash(sql), radix: 16)
    }

    private func marker(_ sql: String) throws(SQLError) -> ExecutingMarker? {
        guard let r = try database.rows(sql).first else { return nil }
        return ExecutingMarker(name: r[0].text ?? "", started: r[1].integer ?? 0, pid: Int32(truncatingIfNeeded: r[2].integer ?? 0))
    }
}
