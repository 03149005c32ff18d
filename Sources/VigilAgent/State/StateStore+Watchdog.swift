import VigilSQL
import VigilWatchdog

/// One end of a worker, as the `vigil_watchdog` table shows it.
public struct WatchdogRecord: Sendable, Equatable {
    public var time: Int64
    public var pid: Int64
    /// limit, died, shutdown or crash_loop.
    public var cause: String
    public var limit: String?
    public var measured: Double?
    public var threshold: Double?
    public var seconds: Double?
    public var query: String?
    public var denylisted: Bool
    public var exitStatus: Int64?
    public var signal: Int64?
    public var lifetime: Double
    public var detail: String
}

extension StateStore {
    static let watchdogSchema = """
        CREATE TABLE IF NOT EXISTS watchdog_events(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time INTEGER NOT NULL, pid INTEGER NOT NULL, cause TEXT NOT NULL,
            limit_name TEXT, measured REAL, threshold REAL, seconds REAL,
            query TEXT, denylisted INTEGER NOT NULL, exit_status INTEGER, signal INTEGER,
            lifetime REAL NOT NULL, detail TEXT NOT NULL
        );
        """
    /// Records kept; older ones are dropped (a crash loop must not fill the disk).
    static let watchdogRecordsKept = 1000

    public func recordWatchdog(_ r: WatchdogRecord) throws(SQLError) {
        try database.transaction { () throws(SQLError) in
            try database.run("""
                INSERT INTO watchdog_events(time, pid, cause, limit_name, measured, threshold, seconds, query, denylisted,
                                            exit_status, signal, lifetime, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
                """, [.integer(r.time), .integer(r.pid), .text(r.cause), r.limit.map(SQLValue.text) ?? .null,
                      r.measured.map(SQLValue.double) ?? .null, r.threshold.map(SQLValue.double) ?? .null,
                      r.seconds.map(SQLValue.double) ?? .null, r.query.map(SQLValue.text) ?? .null,
                      .integer(r.denylisted ? 1 : 0), r.exitStatus.map(SQLValue.integer) ?? .null,
                      r.signal.map(SQLValue.integer) ?? .null, .double(r.lifetime), .text(r.detail)])
            try database.run("DELETE FROM watchdog_events WHERE id <= (SELECT max(id) FROM watchdog_events) - ?",
                             [.integer(Int64(Self.watchdogRecordsKept))])
        }
    }

    public func watchdogRecords() throws(SQLError) -> [WatchdogRecord] {
        try database.rows("""
            SELECT time, pid, cause, limit_name, measured, threshold, seconds, query, denylisted, exit_status, signal, lifetime, detail
            FROM watchdog_events ORDER BY id
            """).map { r in
            WatchdogRecord(time: r[0].integer ?? 0, pid: r[1].integer ?? 0, cause: r[2].text ?? "", limit: r[3].text,
                           measured: r[4].double, threshold: r[5].double, seconds: r[6].double, query: r[7].text,
                           denylisted: r[8].integer == 1, exitStatus: r[9].integer, signal: r[10].integer,
                           lifetime: r[11].double ?? 0, detail: r[12].text ?? "")
        }
    }
}
