import VigilSQL

extension SQLServerStore {
    public func createCampaign(sql: String, hostIDs: [Int64], at time: Int64) async throws -> Campaign {
        try await engine.write { db in
            let id = try Self.id(try await db.rows("INSERT INTO campaigns(sql, created_at) VALUES (?, ?) RETURNING id", [.text(sql), .integer(time)]))
            // One statement per 500 targets, not one per target (a round trip each on PostgreSQL).
            let hosts = Array(Set(hostIDs))
            for start in stride(from: 0, to: hosts.count, by: 500) {
                let chunk = hosts[start..<min(start + 500, hosts.count)]
                try await db.run("INSERT INTO campaign_targets(campaign_id, host_id, state) VALUES "
                                 + Array(repeating: "(?, ?, 'pending')", count: chunk.count).joined(separator: ", "),
                                 chunk.flatMap { [SQLValue.integer(id), .integer($0)] })
            }
            return Campaign(id: id, sql: sql, createdAt: time)
        }
    }

    public func campaign(id: Int64) async throws -> Campaign? {
        try await engine.read { db in
            try await db.rows("SELECT id, sql, created_at FROM campaigns WHERE id = ?", [.integer(id)]).first.map {
                Campaign(id: $0[0].integer ?? 0, sql: $0[1].text ?? "", createdAt: $0[2].integer ?? 0)
            }
        }
    }

    public func campaignTargets(id: Int64) async throws -> [CampaignTarget] {
        try await engine.read { db in
            try await db.rows("""
                SELECT t.host_id, h.host_identifier, t.state, t.row_count, t.error, t.sent_at, t.answered_at, h.last_seen
                FROM campaign_targets t JOIN hosts h ON h.id = t.host_id WHERE t.campaign_id = ? ORDER BY h.host_identifier
                """, [.integer(id)]).map {
                CampaignTarget(hostID: $0[0].integer ?? 0, hostIdentifier: $0[1].text ?? "", state: TargetState(rawValue: $0[2].text ?? "") ?? .pending,
                               rowCount: Int($0[3].integer ?? 0), error: $0[4].text, sentAt: $0[5].integer, answeredAt: $0[6].integer, lastSeen: $0[7].integer ?? 0)
            }
        }
    }

    public func campaignCounts(id: Int64, offlineBefore: Int64) async throws -> [TargetState: Int] {
        try await engine.read { db in
            // Answered and failed targets from the (campaign_id, state) index alone; only
            // the ones still waiting need their host's last_seen.
            var counts: [TargetState: Int] = [:]
            for row in try await db.rows("""
                SELECT state, COUNT(*) FROM campaign_targets WHERE campaign_id = ? AND state NOT IN ('pending', 'sent') GROUP BY state
                """, [.integer(id)]) {
                if let state = TargetState(rawValue: row[0].text ?? "") { counts[state, default: 0] += Int(row[1].integer ?? 0) }
            }
            for row in try await db.rows("""
                SELECT CASE WHEN h.last_seen < ? THEN 'offline' ELSE t.state END, COUNT(*)
                FROM campaign_targets t JOIN hosts h ON h.id = t.host_id
                WHERE t.campaign_id = ? AND t.state IN ('pending', 'sent') GROUP BY 1
                """, [.integer(offlineBefore), .integer(id)]) {
                if let state = TargetState(rawValue: row[0].text ?? "") { counts[state, default: 0] += Int(row[1].integer ?? 0) }
            }
            return counts
        }
    }

    public func campaignRows(id: Int64, after: Int64, limit: Int) async throws -> [CampaignRow] {
        try await engine.read { db in
            try await db.rows("""
                SELECT r.id, h.host_identifier, r.columns FROM campaign_rows r JOIN hosts h ON h.id = r.host_id
                WHERE r.campaign_id = ? AND r.id > ? ORDER BY r.id LIMIT ?
                """, [.integer(id), .integer(after), .integer(Int64(limit))]).map {
                CampaignRow(id: $0[0].integer ?? 0, hostIdentifier: $0[1].text ?? "", columns: $0[2].text ?? "{}")
            }
        }
    }

    public func takePendingQueries(hostID: Int64, at time: Int64) async throws -> [Int64: String] {
        try await engine.write { db in
            // Claimed by the update itself, so two servers answering the same host's two
            // reads cannot both hand out one query.
            let claimed = try await db.rows("""
                UPDATE campaign_targets SET state = 'sent', sent_at = ? WHERE host_id = ? AND state = 'pending' RETURNING campaign_id
                """, [.integer(time), .integer(hostID)]).compactMap { $0[0].integer }
            var queries: [Int64: String] = [:]
            for id in claimed {
                if let sql = try await db.rows("SELECT sql FROM campaigns WHERE id = ?", [.integer(id)]).first?[0].text { queries[id] = sql }
            }
            return queries
        }
    }

    public func recordAnswer(campaignID: Int64, hostID: Int64, rows: [String], error: String?, at time: Int64) async throws -> Bool {
        try await engine.write { db in
            let changed = try await db.run("""
                UPDATE campaign_targets SET state = ?, row_count = ?, error = ?, answered_at = ?
                WHERE campaign_id = ? AND host_id = ? AND state IN ('pending', 'sent')
                """, [.text(error == nil ? "answered" : "failed"), .integer(Int64(rows.count)), SQLValue(error), .integer(time),
                      .integer(campaignID), .integer(hostID)])
            guard changed > 0 else { return false }
            for start in stride(from: 0, to: rows.count, by: 300) {
                let chunk = rows[start..<min(start + 300, rows.count)]
                try await db.run("INSERT INTO campaign_rows(campaign_id, host_id, columns) VALUES "
                                 + Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", "),
                                 chunk.flatMap { [SQLValue.integer(campaignID), .integer(hostID), .text($0)] })
            }
            return true
        }
    }

    public func pruneCampaigns(olderThan time: Int64) async throws -> Int {
        try await engine.write { db in
            // SQLite gives a new row max(id) + 1: were the newest live query or answer row
            // deleted, its id would be given again, below the export's cursor (or to a page a
            // browser still shows). So the newest live query, and the one holding the newest
            // row, stay.
            let old = """
                SELECT id FROM campaigns WHERE created_at < ? AND id <> (SELECT max(id) FROM campaigns)
                  AND id <> coalesce((SELECT campaign_id FROM campaign_rows ORDER BY id DESC LIMIT 1), 0)
                """
            let time = [SQLValue.integer(time)]
            try await Self.countUnexported(.answers, where: "campaign_id IN (\(old))", time, db)
            try await db.run("DELETE FROM campaign_rows WHERE campaign_id IN (\(old))", time)
            try await db.run("DELETE FROM campaign_targets WHERE campaign_id IN (\(old))", time)
            return try await db.run("DELETE FROM campaigns WHERE id IN (\(old))", time)
        }
    }

    public func pendingWork(hostID: Int64, labelsStaleBefore: Int64, detailsStaleBefore: Int64, detailsAskedBefore: Int64,
                            openCampaignsSince: Int64) async throws -> PendingWork {
        try await engine.read { db in
            try await Self.pendingWork(db, hostID: hostID, labelsStaleBefore: labelsStaleBefore, detailsStaleBefore: detailsStaleBefore,
                                       detailsAskedBefore: detailsAskedBefore, openCampaignsSince: openCampaignsSince)
        }
    }

    public func polling(nodeKeyHash: String, labelsStaleBefore: Int64, detailsStaleBefore: Int64, detailsAskedBefore: Int64,
                        openCampaignsSince: Int64) async throws -> (host: HostRecord, work: PendingWork)? {
        try await engine.read { db in
            guard let host = try await Self.host(db, nodeKeyHash: nodeKeyHash) else { return nil }
            let work = try await Self.pendingWork(db, hostID: host.id, labelsStaleBefore: labelsStaleBefore, detailsStaleBefore: detailsStaleBefore,
                                                  detailsAskedBefore: detailsAskedBefore, openCampaignsSince: openCampaignsSince)
            return (host, work)
        }
    }

    static func pendingWork(_ db: any SQLSession, hostID: Int64, labelsStaleBefore: Int64, detailsStaleBefore: Int64, detailsAskedBefore: Int64,
                            openCampaignsSince: Int64) async throws -> PendingWork {
        // CASE … THEN 1: an integer on both engines (PostgreSQL's EXISTS is a boolean).
        let row = try await db.rows("""
            SELECT CASE WHEN EXISTS (SELECT 1 FROM campaign_targets WHERE host_id = ? AND state = 'pending') THEN 1 ELSE 0 END,
                   CASE WHEN EXISTS (SELECT 1 FROM labels l LEFT JOIN label_membership m ON m.label_id = l.id AND m.host_id = ?
                                     WHERE l.query IS NOT NULL AND (m.updated_at IS NULL OR m.updated_at < ?)) THEN 1 ELSE 0 END,
                   CASE WHEN EXISTS (SELECT 1 FROM hosts WHERE id = ? AND details_updated_at < ? AND details_requested_at < ?) THEN 1 ELSE 0 END,
                   CASE WHEN EXISTS (SELECT 1 FROM profiles WHERE host_id = ? AND state = 'requested') THEN 1 ELSE 0 END,
                   CASE WHEN EXISTS (SELECT 1 FROM campaigns c JOIN campaign_targets t ON t.campaign_id = c.id
                                     WHERE c.created_at >= ? AND t.state IN ('pending', 'sent')) THEN 1 ELSE 0 END
            """, [.integer(hostID), .integer(hostID), .integer(labelsStaleBefore), .integer(hostID), .integer(detailsStaleBefore),
                  .integer(detailsAskedBefore), .integer(hostID), .integer(openCampaignsSince)]).first
        guard let row, row.count == 5 else { return PendingWork() }
        let flags = row.map { $0.integer == 1 }
        return PendingWork(liveQueries: flags[0], staleLabels: flags[1], details: flags[2], profiles: flags[3], openCampaigns: flags[4])
    }
}
