import VigilSQL

/// One results output as `vigil_outputs` shows it.
public struct OutputStatus: Sendable, Equatable {
    public var name: String
    /// The last outbox id this output has taken; every id up to it is done for it.
    public var cursor: Int64
    public var deliveredRecords: Int64
    public var deliveredBytes: Int64
    /// Records queued in the outbox that this output has not taken yet.
    public var pendingRecords: Int64
    public var droppedRecords: Int64
    public var lastError: String?
    /// UNIX time of the last record taken.
    public var lastDelivery: Int64?
}

/// Per-output cursors over the outbox: an outbox row is deleted once every configured
/// output's cursor has passed it, so each output gets every record in order while none
/// waits for another. Outbox ids never repeat (AUTOINCREMENT), so a cursor stays valid
/// after the rows below it are gone.
extension StateStore {
    static let outputsSchema = """
        CREATE TABLE IF NOT EXISTS output_state(
            name TEXT PRIMARY KEY,
            cursor INTEGER NOT NULL DEFAULT 0,   -- the last outbox id this output has taken
            delivered_records INTEGER NOT NULL DEFAULT 0,
            delivered_bytes INTEGER NOT NULL DEFAULT 0,
            dropped_records INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_delivery INTEGER
        );
        """

    /// Lines (records) in an outbox payload, in SQL: the payload is UTF-8 JSON lines.
    private static let payloadLines = "(length(CAST(payload AS TEXT)) - length(replace(CAST(payload AS TEXT), char(10), '')))"

    /// Make `names` the configured outputs: new ones start at what is still queued (so
    /// nothing committed is lost for them), others are forgotten, so that they no longer
    /// hold rows in the outbox.
    func configureOutputs(_ names: [String]) throws(SQLError) {
        try database.transaction { () throws(SQLError) in
            for name in names { try database.run("INSERT OR IGNORE INTO output_state(name) VALUES (?)", [.text(name)]) }
            for row in try database.rows("SELECT name FROM output_state") {
                guard let name = row.first?.text, !names.contains(name) else { continue }
                try database.run("DELETE FROM output_state WHERE name = ?", [.text(name)])
            }
            try pruneOutbox()
        }
    }

    func outputCursor(_ name: String) throws(SQLError) -> Int64 {
        try database.rows("SELECT cursor FROM output_state WHERE name = ?", [.text(name)]).first?.first?.integer ?? 0
    }

    /// Queued items after `id`, oldest first, at most `limit`.
    func outbox(after id: Int64, limit: Int = 10_000) throws(SQLError) -> [OutboxItem] {
        try pendingOutbox(where: "id > ? ORDER BY id LIMIT ?", [.integer(id), .integer(Int64(limit))])
    }

    func hasOutbox(after id: Int64) throws(SQLError) -> Bool {
        try database.rows("SELECT 1 FROM outbox WHERE id > ? LIMIT 1", [.integer(id)]).isEmpty == false
    }

    /// Newest outbox id (0 when empty).
    func lastOutboxID() throws(SQLError) -> Int64 {
        try database.rows("SELECT max(id) FROM outbox").first?.first?.integer ?? 0
    }

    /// Bytes queued after `id`.
    func outboxBytes(after id: Int64) throws(SQLError) -> Int64 {
        try database.rows("SELECT coalesce(sum(length(payload)), 0) FROM outbox WHERE id > ?", [.integer(id)]).first?.first?.integer ?? 0
    }

    /// Id, size and record count of the items after `id`, oldest first (to drop the oldest).
    func outboxSizes(after id: Int64) throws(SQLError) -> [(id: Int64, bytes: Int64, records: Int64)] {
        try database.rows("SELECT id, length(payload), \(Self.payloadLines) FROM outbox WHERE id > ? ORDER BY id", [.integer(id)]).map {
            (id: $0[0].integer ?? 0, bytes: $0[1].integer ?? 0, records: $0[2].integer ?? 0)
        }
    }

    /// Add what one delivery did to `name`'s row: move its cursor forward (never back),
    /// add the counts, keep the latest error; then drop the rows every output has.
    func recordOutputProgress(_ name: String, _ p: OutputProgress, at now: Int64) throws(SQLError) {
        guard !p.isEmpty else { return }
        try database.transaction { () throws(SQLError) in
            try database.run("""
                UPDATE output_state SET cursor = max(cursor, coalesce(?, cursor)),
                    delivered_records = delivered_records + ?, delivered_bytes = delivered_bytes + ?,
                    dropped_records = dropped_records + ?, last_error = coalesce(?, last_error),
                    last_delivery = CASE WHEN ? > 0 THEN ? ELSE last_delivery END
                WHERE name = ?
                """, [
                SQLValue(p.through), .integer(Int64(p.records)), .integer(Int64(p.bytes)),
                .integer(Int64(p.dropped)), SQLValue(p.error), .integer(Int64(p.records)), .integer(now), .text(name),
            ])
            if p.through != nil { try pruneOutbox() }
        }
    }

    /// Delete the outbox rows that every configured output has taken.
    func pruneOutbox() throws(SQLError) {
        try database.run("DELETE FROM outbox WHERE id <= (SELECT min(cursor) FROM output_state)")
    }

    /// Every configured output, with what it still has queued.
    public func outputStatus() throws(SQLError) -> [OutputStatus] {
        try database.rows("""
            SELECT o.name, o.cursor, o.delivered_records, o.delivered_bytes,
                   (SELECT coalesce(sum(\(Self.payloadLines)), 0) FROM outbox WHERE id > o.cursor),
                   o.dropped_records, o.last_error, o.last_delivery
            FROM output_state o ORDER BY o.name
            """).map { r in
            OutputStatus(name: r[0].text ?? "", cursor: r[1].integer ?? 0, deliveredRecords: r[2].integer ?? 0,
                         deliveredBytes: r[3].integer ?? 0, pendingRecords: r[4].integer ?? 0, droppedRecords: r[5].integer ?? 0,
                         lastError: r[6].text, lastDelivery: r[7].integer)
        }
    }
}
