import VigilSQL

/// The OTLP export's cursors over the stored lines and live-query answer rows
/// (`otlp_export`, a row per stream): the stored items themselves are the export's queue,
/// so a restart (even a SIGKILL) loses none, and a collector away for days costs the
/// database's retention, not the server's memory. Servers sharing one PostgreSQL database
/// take turns through a lease on each row: one exports, the others wait until its lease
/// runs out (it stopped, or lost the database).
extension SQLServerStore {
    public func startExport(_ stream: ExportStream) async throws {
        try await engine.write { db in
            // (`WHERE true`: SQLite reads an upsert after a bare SELECT … FROM as a join's ON.)
            try await db.run("""
                INSERT INTO otlp_export(signal, exported_through, sending_through)
                SELECT ?, coalesce(max(\(stream.column)), 0), coalesce(max(\(stream.column)), 0) FROM \(stream.table) WHERE true ON CONFLICT DO NOTHING
                """, [.text(stream.rawValue)])
        }
    }

    public func claimExport(_ stream: ExportStream, owner: String, at now: Int64, until: Int64) async throws -> ExportCursor? {
        let name = SQLValue.text(stream.rawValue)
        return try await engine.write { db in
            // The update takes the row's lock first: of two servers claiming at once, the
            // second sees the first's lease when its condition is checked again.
            let claimed = try await db.run("""
                UPDATE otlp_export SET owner = ?, lease_until = ? WHERE signal = ? AND (owner = ? OR lease_until < ?)
                """, [.text(owner), .integer(until), name, .text(owner), .integer(now)])
            guard claimed == 1, let row = try await db.rows("SELECT exported_through, sending_through, dropped FROM otlp_export WHERE signal = ?", [name]).first
            else { return nil }
            let cursor = ExportCursor(exportedThrough: row[0].integer ?? 0, sendingThrough: row[1].integer ?? 0, dropped: row[2].integer ?? 0)
            if cursor.dropped != 0 {
                try await db.run("UPDATE otlp_export SET dropped = dropped - ? WHERE signal = ?", [.integer(cursor.dropped), name])
            }
            return cursor
        }
    }

    public func sendingExport(_ stream: ExportStream, owner: String, through: Int64, until: Int64) async throws -> Bool {
        try await engine.write { db in
            try await db.run("UPDATE otlp_export SET sending_through = ?, lease_until = ? WHERE signal = ? AND owner = ?",
                             [.integer(through), .integer(until), .text(stream.rawValue), .text(owner)]) == 1
        }
    }

    public func exported(_ stream: ExportStream, owner: String, through: Int64) async throws -> Bool {
        try await engine.write { db in
            try await db.run("UPDATE otlp_export SET exported_through = ? WHERE signal = ? AND owner = ? AND exported_through < ?",
                             [.integer(through), .text(stream.rawValue), .text(owner), .integer(through)]) == 1
        }
    }

    public func settledID(_ stream: ExportStream) async throws -> Int64 {
        let newest = "SELECT max(\(stream.column)) FROM \(stream.table)"
        // SQLite has one writer, whose transactions take ids in the order they commit.
        guard dialect == .postgres else { return try await engine.read { db in try await db.rows(newest).first?.first?.integer ?? 0 } }
        return try await engine.write { db in
            // Ids are taken when a row is inserted and seen when its transaction commits,
            // in any order across servers: a cursor past an id still uncommitted would
            // skip its row for ever. SHARE mode waits for the inserts under way (and
            // holds new ones for that long, milliseconds); every id up to the newest is
            // then settled. A lock not had within a second is an error: the caller keeps
            // its previous bound.
            try await db.run("SET LOCAL lock_timeout = '1s'", [])
            try await db.run("LOCK TABLE \(stream.table) IN SHARE MODE", [])
            return try await db.rows(newest).first?.first?.integer ?? 0
        }
    }

    public func countExport(_ stream: ExportStream, after: Int64, through: Int64) async throws -> Int {
        try await engine.read { db in
            Int(try await db.rows("SELECT count(*) FROM \(stream.table) WHERE \(stream.column) > ? AND \(stream.column) <= ?",
                                  [.integer(after), .integer(through)]).first?.first?.integer ?? 0)
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

    public func exportAnswerRows(after: Int64, through: Int64, limit: Int) async throws -> [ExportAnswerRow] {
        try await engine.read { db in
            try await db.rows("""
                SELECT r.id, r.campaign_id, r.host_id, r.columns, coalesce(t.answered_at, 0) FROM campaign_rows r
                LEFT JOIN campaign_targets t ON t.campaign_id = r.campaign_id AND t.host_id = r.host_id
                WHERE r.id > ? AND r.id <= ? ORDER BY r.id LIMIT ?
                """, [.integer(after), .integer(through), .integer(Int64(limit))]).map {
                ExportAnswerRow(id: $0[0].integer ?? 0, campaignID: $0[1].integer ?? 0, hostID: $0[2].integer ?? 0,
                                columns: $0[3].text ?? "{}", answeredAt: $0[4].integer ?? 0)
            }
        }
    }

    public func exportProfiles(after: Int64, through: Int64, limit: Int) async throws -> [ExportProfile] {
        try await engine.read { db in
            try await db.rows("SELECT done_seq, id, host_id, pprof FROM profiles WHERE done_seq > ? AND done_seq <= ? ORDER BY done_seq LIMIT ?",
                              [.integer(after), .integer(through), .integer(Int64(limit))]).map {
                var pprof: [UInt8] = []
                if case .blob(let b) = $0[3] { pprof = b }
                return ExportProfile(seq: $0[0].integer ?? 0, id: $0[1].integer ?? 0, hostID: $0[2].integer ?? 0, pprof: pprof)
            }
        }
    }

    /// The next place in the order profiles are stored in, as an SQL expression: SQLite's
    /// one writer commits in the order it takes them; on PostgreSQL a sequence, whose
    /// out-of-order commits `settledID` waits out as for ids.
    var nextProfileSeq: String {
        dialect == .postgres ? "nextval('profiles_done_seq')" : "(SELECT coalesce(max(done_seq), 0) + 1 FROM profiles)"
    }

    /// In retention's transaction: counts the items of `stream` about to be deleted (those
    /// `condition` selects, in its table) that the export has not sent, for the exporter
    /// to report: retention won over a collector away too long.
    static func countUnexported(_ stream: ExportStream, where condition: String, _ arguments: [SQLValue], _ db: any SQLSession) async throws {
        try await db.run("""
            UPDATE otlp_export SET dropped = dropped + (SELECT count(*) FROM \(stream.table) WHERE (\(condition)) AND \(stream.column) > otlp_export.exported_through)
            WHERE signal = ?
            """, arguments + [.text(stream.rawValue)])
    }
}
