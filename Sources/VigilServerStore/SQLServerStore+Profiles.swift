import VigilSQL

extension SQLServerStore {
    public func requestProfile(hostID: Int64, seconds: Int, frequency: Int, at time: Int64) async throws -> Int64 {
        try await engine.write { db in
            try Self.id(try await db.rows("INSERT INTO profiles(host_id, seconds, frequency, state, requested_at) VALUES (?, ?, ?, 'requested', ?) RETURNING id",
                                          [.integer(hostID), .integer(Int64(seconds)), .integer(Int64(frequency)), .integer(time)]))
        }
    }

    public func takeProfileRequests(hostID: Int64) async throws -> [(id: Int64, seconds: Int, frequency: Int)] {
        let rows = try await engine.write { db in
            try await db.rows("UPDATE profiles SET state = 'sent' WHERE host_id = ? AND state = 'requested' RETURNING id, seconds, frequency",
                              [.integer(hostID)]).sorted { ($0[0].integer ?? 0) < ($1[0].integer ?? 0) }
        }
        return rows.map { (id: $0[0].integer ?? 0, seconds: Int($0[1].integer ?? 0), frequency: Int($0[2].integer ?? 0)) }
    }

    public func storeProfile(id: Int64, hostID: Int64, pprof: [UInt8]?, report: String?, samples: Int?, error: String?, at time: Int64) async throws -> Bool {
        // An agent's profile takes its place in the export's order; a server's own does not.
        let seq = pprof != nil && hostID != 0 ? nextProfileSeq : "NULL"
        return try await engine.write { db in
            try await db.run("""
                UPDATE profiles SET state = ?, pprof = ?, report = ?, samples = ?, error = ?, done_at = ?,
                  done_seq = \(seq)
                WHERE id = ? AND host_id = ? AND state IN ('requested', 'sent')
                """, [.text(error == nil ? "done" : "failed"), pprof.map(SQLValue.blob) ?? .null, SQLValue(report), SQLValue(samples), SQLValue(error),
                      .integer(time), .integer(id), .integer(hostID)]) > 0
        }
    }

    public func storeContinuousProfile(hostID: Int64, pprof: [UInt8], seconds: Int, at time: Int64) async throws -> Int64 {
        let seq = nextProfileSeq
        return try await engine.write { db in
            try Self.id(try await db.rows("INSERT INTO profiles(host_id, seconds, frequency, state, requested_at, done_at, pprof, done_seq) VALUES (?, ?, 0, 'done', ?, ?, ?, \(seq)) RETURNING id",
                                          [.integer(hostID), .integer(Int64(seconds)), .integer(time), .integer(time), .blob(pprof)]))
        }
    }

    public func pruneProfiles(olderThan time: Int64) async throws -> Int {
        try await engine.write { db in
            // SQLite's next place is max + 1: the newest stored profile stays, so that no
            // place is given again below the export's cursor.
            let old = "requested_at < ? AND state IN ('done', 'failed') AND coalesce(done_seq, -1) <> coalesce((SELECT max(done_seq) FROM profiles), 0)"
            try await Self.countUnexported(.profiles, where: old, [.integer(time)], db)
            return try await db.run("DELETE FROM profiles WHERE " + old, [.integer(time)])
        }
    }

    /// A server profiling itself: host 0, already 'sent' (no agent ever takes it), under the server's name.
    public func requestServerProfile(server: String, seconds: Int, frequency: Int, at time: Int64) async throws -> Int64 {
        try await engine.write { db in
            try Self.id(try await db.rows("INSERT INTO profiles(host_id, server, seconds, frequency, state, requested_at) VALUES (0, ?, ?, ?, 'sent', ?) RETURNING id",
                                          [.text(server), .integer(Int64(seconds)), .integer(Int64(frequency)), .integer(time)]))
        }
    }

    public func serverProfiles(server: String) async throws -> [ProfileRecord] {
        try await engine.read { db in
            try await db.rows("SELECT \(Self.profileColumns) FROM profiles WHERE host_id = 0 AND server = ? ORDER BY id DESC LIMIT 20", [.text(server)]).map(Self.profile)
        }
    }

    static func profile(_ r: [SQLValue]) -> ProfileRecord {
        var pprof: [UInt8]?
        if r.count > 11, case .blob(let b) = r[11] { pprof = b }
        return ProfileRecord(id: r[0].integer ?? 0, hostID: r[1].integer ?? 0, server: r[10].text, seconds: Int(r[2].integer ?? 0), frequency: Int(r[3].integer ?? 0),
                             state: ProfileRecord.State(rawValue: r[4].text ?? "") ?? .requested, requestedAt: r[5].integer ?? 0,
                             doneAt: r[6].integer, samples: r[7].integer.map { Int($0) }, report: r[8].text, error: r[9].text, pprof: pprof)
    }

    static let profileColumns = "id, host_id, seconds, frequency, state, requested_at, done_at, samples, report, error, server"

    public func profiles(hostID: Int64) async throws -> [ProfileRecord] {
        try await engine.read { db in
            try await db.rows("SELECT \(Self.profileColumns) FROM profiles WHERE host_id = ? ORDER BY id DESC LIMIT 100", [.integer(hostID)]).map(Self.profile)
        }
    }

    public func profile(id: Int64, withData: Bool) async throws -> ProfileRecord? {
        try await engine.read { db in
            try await db.rows("SELECT \(Self.profileColumns)\(withData ? ", pprof" : "") FROM profiles WHERE id = ?", [.integer(id)]).first.map(Self.profile)
        }
    }
}
