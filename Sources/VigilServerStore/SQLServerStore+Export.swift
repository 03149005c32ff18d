import VigilSQL

/// The OTLP export's cursor over the stored lines (`otlp_export`, the row `logs`): the
/// lines themselves are the export's queue, so a restart (even a SIGKILL) loses none, and
/// a collector away for days costs the database's retention, not the server's memory.
/// Servers sharing one PostgreSQL database take turns through a lease on the row: one
/// exports, the others wait until its lease runs out (it stopped, or lost the database).
extension SQLServerStore {
    static let logSignal = SQLValue.text("logs")

    public func startLogExport() async throws {
        try await engine.write { db in
            // (`WHERE true`: SQLite reads an upsert after a bare SELECT … FROM as a join's ON.)
            try await db.run("""
                INSERT INTO otlp_export(signal, exported_through, sending_through)
                SELECT ?, coalesce(max(id), 0), coalesce(max(id), 0) FROM logs WHERE true ON CONFLICT DO NOTHING
                """, [Self.logSignal])
        }
    }

    public func claimLogExport(owner: String, at now: Int64, until: Int64) async throws -> LogExportCursor? {
        try await engine.write { db in
            // The update takes the row's lock first: of two servers claiming at once, the
            // second sees the first's lease when its condition is checked again.
            let claimed = try await db.run("""
                UPDATE otlp_export SET owner = ?, lease_until = ? WHERE signal = ? AND (owner = ? OR lease_until < ?)
                """, [.text(owner), .integer(until), Self.logSignal, .text(owner), .integer(now)])
            guard claimed == 1, let row = try await db.rows("SELECT exported_through, sending_through, dropped FROM otlp_export WHERE signal = ?", [Self.logSignal]).first
            else { return nil }
            let cursor = LogExportCursor(exportedThrough: row[0].integer ?? 0, sendingThrough: row[1].integer ?? 0, dropped: row[2].integer ?? 0)
            if cursor.dropped != 0 {
                try await db.run("UPDATE otlp_export SET dropped = dropped - ? WHERE signal = ?", [.integer(cursor.dropped), Self.logSignal])
            }
            return cursor
        }
    }

    public func sendingLogs(owner: String, through: Int64, until: Int64) async throws -> Bool {
        try await engine.write { db in
            try await db.run("UPDATE otlp_export SET sending_through = ?, lease_until = ? WHERE signal = ? AND owner = ?",
                             [.integer(through), .integer(until), Self.logSignal, .text(owner)]) == 1
        }
    }

    public func exportedLogs(owner: String, through: Int64) async throws -> Bool {
        try await engine.write { db in
            try await db.run("UPDATE otlp_export SET exported_through = ? WHERE signal = ? AND owner = ? AND exported_through < ?",
                             [.integer(through), Self.logSignal, .text(owner), .integer(through)]) == 1
        }
    }

    public func settledLogID() async throws -> Int64 {
        let newest = "SELECT max(id) FROM logs"
        // SQLite has one writer, whose transactions take ids in the order they commit.
        guard dialect == .postgres else { return try await engine.read { db in try await db.rows(newest).first?.first?.integer ?? 0 } }
        return try await engine.write { db in
            // Ids are taken when a line is inserted and seen when its transaction commits,
            // in any order across servers: a cursor past an id still uncommitted would
            // skip its line for ever. SHARE mode waits for the inserts under way (and
            // holds new ones for that long, milliseconds); every id up to the newest is
            // then settled. A lock not had within a second is an error: the caller keeps
            // its previous bound.
            try await db.run("SET LOCAL lock_timeout = '1s'", [])
            try await db.run("LOCK TABLE logs IN SHARE MODE", [])
            return try await db.rows(newest).first?.first?.integer ?? 0
        }
    }

    public func exportLogs(after: Int64, through: Int64, limit: Int) async throws -> [ExportLog] {
        try await engine.read { db in
            try await db.rows("SELECT id, host_id, kind, unix_time, line FROM logs WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
                              [.integer(after), .integer(through), .integer(Int64(limit))]).map {
                ExportLog(id: $0[0].integer ?? 0, hostID: $0[1].integer ?? 0, kind: $0[2].text ?? "", unixTime: $0[3].integer ?? 0, line: $0[4].text ?? "")
            }
        }
    }

    /// In the retention's transaction: counts the lines about to be deleted that the export
    /// has not sent (retention won over a collector away too long), for the exporter to report.
    static func countUnexported(olderThan time: Int64, _ db: any SQLSession) async throws {
        try await db.run("""
            UPDATE otlp_export SET dropped = dropped + (SELECT count(*) FROM logs WHERE unix_time < ? AND id > otlp_export.exported_through)
            WHERE signal = ?
            """, [.integer(time), Self.logSignal])
    }
}
