import VigilSQL

/// The web UI's queries, in SQL both engines take. The hosts page sorts and pages in the
/// database on the indexes of the web UI's schema step (host name, last seen, OS,
/// enrollment time); sums are cast to BIGINT, as PostgreSQL's sum of BIGINT is NUMERIC.
extension SQLServerStore {
    public func createUser(name: String, role: TokenRole, passwordHash: String, at time: Int64) async throws -> Bool {
        try await engine.write { db in
            try await db.run("INSERT INTO web_users(name, role, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                             [.text(name), .text(role.rawValue), .text(passwordHash), .integer(time)]) > 0
        }
    }

    static func user(_ r: [SQLValue]) -> WebUser {
        WebUser(name: r[0].text ?? "", role: TokenRole(rawValue: r[1].text ?? "") ?? .observer, passwordHash: r[2].text ?? "", createdAt: r[3].integer ?? 0)
    }

    public func user(name: String) async throws -> WebUser? {
        try await engine.read { db in
            try await db.rows("SELECT name, role, password_hash, created_at FROM web_users WHERE name = ?", [.text(name)]).first.map(Self.user)
        }
    }

    public func users() async throws -> [WebUser] {
        try await engine.read { db in try await db.rows("SELECT name, role, password_hash, created_at FROM web_users ORDER BY name").map(Self.user) }
    }

    public func deleteUser(name: String) async throws -> Bool {
        try await engine.write { db in
            try await db.run("DELETE FROM web_sessions WHERE user_name = ?", [.text(name)])
            return try await db.run("DELETE FROM web_users WHERE name = ?", [.text(name)]) > 0
        }
    }

    public func setRole(name: String, role: TokenRole) async throws -> Bool {
        try await engine.write { db in
            guard try await db.run("UPDATE web_users SET role = ? WHERE name = ?", [.text(role.rawValue), .text(name)]) > 0 else { return false }
            try await db.run("DELETE FROM web_sessions WHERE user_name = ?", [.text(name)])
            return true
        }
    }

    public func createSession(hash: String, userName: String, role: TokenRole, at time: Int64, expiresAt: Int64) async throws {
        try await engine.write { db in
            try await db.run("DELETE FROM web_sessions WHERE expires_at <= ?", [.integer(time)])
            try await db.run("INSERT INTO web_sessions(session_hash, user_name, role, created_at, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)",
                             [.text(hash), .text(userName), .text(role.rawValue), .integer(time), .integer(expiresAt), .integer(time)])
        }
    }

    public func session(hash: String, now: Int64) async throws -> WebSession? {
        try await engine.read { db in
            try await db.rows("SELECT user_name, role, expires_at, last_used_at FROM web_sessions WHERE session_hash = ? AND expires_at > ?",
                              [.text(hash), .integer(now)]).first.map {
                WebSession(userName: $0[0].text ?? "", role: TokenRole(rawValue: $0[1].text ?? "") ?? .observer, expiresAt: $0[2].integer ?? 0,
                           lastUsedAt: $0[3].integer ?? 0)
            }
        }
    }

    public func touchSession(hash: String, at time: Int64) async throws {
        try await engine.write { db in try await db.run("UPDATE web_sessions SET last_used_at = ? WHERE session_hash = ?", [.integer(time), .text(hash)]) }
    }

    public func deleteSession(hash: String) async throws {
        try await engine.write { db in try await db.run("DELETE FROM web_sessions WHERE session_hash = ?", [.text(hash)]) }
    }

    public func hostPage(_ q: HostPageQuery) async throws -> (hosts: [HostRecord], total: Int) {
        let (filter, args) = Self.hostFilter(q, dialect: dialect)
        let order = Self.hostOrder(q)
        let (countSQL, countArgs) = Self.hostCount(q, dialect: dialect)
        // The count and the page on two connections at once: a filter that no index
        // narrows (a short search) scans every host for each.
        async let total = engine.read { db in try await db.rows(countSQL, countArgs).first?[0].integer ?? 0 }
        async let hosts = engine.read { db in
            try await db.rows("SELECT \(Self.hostColumns) FROM hosts \(filter) ORDER BY \(order) LIMIT ? OFFSET ?",
                              args + [.integer(Int64(q.limit)), .integer(Int64(q.offset))]).map(Self.host)
        }
        return (try await hosts, Int(try await total))
    }

    /// How many hosts a page's filter matches. With a label, counted from the label's
    /// members (one lookup per member: 20 ms for 50,000 of 100,000 hosts, where testing
    /// every host for membership took 50).
    static func hostCount(_ q: HostPageQuery, dialect: SQLDialect) -> (String, [SQLValue]) {
        guard let label = q.labelID else {
            let (filter, args) = hostFilter(q, dialect: dialect)
            return ("SELECT count(*) FROM hosts \(filter)", args)
        }
        var unlabelled = q
        unlabelled.labelID = nil
        let (filter, args) = hostFilter(unlabelled, dialect: dialect)
        return ("SELECT count(*) FROM label_membership m JOIN hosts ON hosts.id = m.host_id \(filter) AND m.label_id = ? AND m.member = 1",
                args + [.integer(label)])
    }

    /// The ORDER BY of a hosts page; the id last, so that equal keys page in a stable order.
    static func hostOrder(_ q: HostPageQuery) -> String {
        let direction = q.descending ? "DESC" : "ASC"
        return switch q.sort {
        case .hostname: "hostname \(direction), id \(direction)"
        case .lastSeen: "last_seen \(direction), id \(direction)"
        case .os: "os_name \(direction), os_version \(direction), id \(direction)"
        case .enrolled: "enrolled_at \(direction), id \(direction)"
        }
    }

    /// A forgotten host (DELETE /api/v1/hosts/{id}) has no node key until it enrolls again:
    /// it is in no list or count, rather than offline for ever.
    static let enrolled = "node_key_hash IS NOT NULL"

    /// The WHERE clause of a hosts page and its arguments.
    static func hostFilter(_ q: HostPageQuery, dialect: SQLDialect) -> (String, [SQLValue]) {
        var clauses: [String] = [enrolled], args: [SQLValue] = []
        if let search = q.search, !search.isEmpty {
            let (clause, searchArgs) = searchClause(search, dialect: dialect)
            clauses.append(clause)
            args += searchArgs
        }
        if let since = q.seenSince { clauses.append("last_seen >= ?"); args.append(.integer(since)) }
        if let before = q.notSeenSince { clauses.append("last_seen < ?"); args.append(.integer(before)) }
        if let os = q.osName { clauses.append("os_name = ?"); args.append(.text(os)) }
        if let label = q.labelID {
            // Tested host by host, in the page's order, until the page is full: a page
            // stops early, where `id IN (members)` first read every member.
            clauses.append("EXISTS (SELECT 1 FROM label_membership m WHERE m.label_id = ? AND m.host_id = hosts.id AND m.member = 1)")
            args.append(.integer(label))
        }
        return ("WHERE " + clauses.joined(separator: " AND "), args)
    }

    /// A search for a part of a host's identifier, name or UUID, case ignored. Three
    /// characters or more go through a trigram index over `host_search` (SQLite's FTS5;
    /// PostgreSQL's pg_trgm, which its ILIKE uses by itself): 1 ms at 100,000 hosts,
    /// where the scan took 100. Shorter ones match most hosts anyway and scan.
    static func searchClause(_ search: String, dialect: SQLDialect) -> (String, [SQLValue]) {
        if dialect == .sqlite, search.count >= 3 {
            // One FTS5 phrase, quoted, so that the search's characters are only text.
            let phrase = "\"" + search.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            return ("id IN (SELECT rowid FROM host_search WHERE host_search MATCH ?)", [.text(phrase)])
        }
        // Case ignored on both: SQLite's LIKE does so itself (lower() on every row
        // tripled a search's time at 100,000 hosts), PostgreSQL's ILIKE.
        let like = dialect == .postgres ? "ILIKE" : "LIKE"
        let pattern = "%" + escapeLike(search.lowercased()) + "%"
        let test = "(host_identifier \(like) ? ESCAPE '\\' OR hostname \(like) ? ESCAPE '\\' OR uuid \(like) ? ESCAPE '\\')"
        let arguments: [SQLValue] = [.text(pattern), .text(pattern), .text(pattern)]
        if dialect == .postgres, search.count >= 3 { return ("id IN (SELECT host_id FROM host_search WHERE \(test))", arguments) }
        return (test, arguments)
    }

    public func hostOSNames() async throws -> [(name: String, hosts: Int)] {
        // Walks the (os_name, os_version, id) index, reading each row for its key (cached a minute by the UI).
        let rows = try await engine.read { db in
            try await db.rows("SELECT os_name, count(*) FROM hosts WHERE \(Self.enrolled) GROUP BY os_name ORDER BY os_name")
        }
        return rows.map { (name: $0[0].text ?? "", hosts: Int($0[1].integer ?? 0)) }
    }

    public func lastSeen(hostIDs: [Int64]) async throws -> [Int64: Int64] {
        guard !hostIDs.isEmpty else { return [:] }
        let rows = try await engine.read { db in
            try await db.rows("SELECT id, last_seen FROM hosts WHERE id IN (\(Array(repeating: "?", count: hostIDs.count).joined(separator: ", "))) AND \(Self.enrolled)",
                              hostIDs.map(SQLValue.integer))
        }
        var seen: [Int64: Int64] = [:]
        for r in rows { if let id = r[0].integer, let time = r[1].integer { seen[id] = time } }
        return seen
    }

    public func hostCounts(seenSince: Int64) async throws -> (total: Int, online: Int) {
        let row = try await engine.read { db in
            try await db.rows("SELECT (SELECT count(*) FROM hosts WHERE \(Self.enrolled)), (SELECT count(*) FROM hosts WHERE last_seen >= ? AND \(Self.enrolled))",
                              [.integer(seenSince)]).first
        }
        return (Int(row?[0].integer ?? 0), Int(row?[1].integer ?? 0))
    }

    public func costliestQueries(limit: Int) async throws -> [ScheduledQueryCost] {
        try await engine.read { db in
            try await db.rows("""
                SELECT name, max(query), count(*), CAST(sum(executions) AS BIGINT), CAST(sum(wall_time_ms) AS BIGINT),
                  CAST(sum(user_time + system_time) AS BIGINT), CAST(sum(CASE WHEN denylisted <> 0 THEN 1 ELSE 0 END) AS BIGINT)
                FROM host_schedule GROUP BY name ORDER BY sum(user_time + system_time) DESC, name LIMIT ?
                """, [.integer(Int64(limit))]).map {
                ScheduledQueryCost(name: $0[0].text ?? "", query: $0[1].text ?? "", hosts: Int($0[2].integer ?? 0), executions: $0[3].integer ?? 0,
                                   wallTimeMs: $0[4].integer ?? 0, cpuTimeMs: $0[5].integer ?? 0, denylistedHosts: Int($0[6].integer ?? 0))
            }
        }
    }

    public func recentWatchdog(limit: Int) async throws -> [WatchdogRecord] {
        try await engine.read { db in
            try await db.rows("""
                SELECT w.host_id, h.hostname, w.time, w.event FROM host_watchdog w JOIN hosts h ON h.id = w.host_id ORDER BY w.id DESC LIMIT ?
                """, [.integer(Int64(limit))]).map {
                WatchdogRecord(hostID: $0[0].integer ?? 0, hostname: $0[1].text ?? "", time: $0[2].integer ?? 0, event: $0[3].text ?? "{}")
            }
        }
    }

    public func recentCampaigns(limit: Int) async throws -> [(campaign: Campaign, targets: Int)] {
        let rows = try await engine.read { db in
            try await db.rows("""
                SELECT c.id, c.sql, c.created_at, (SELECT count(*) FROM campaign_targets t WHERE t.campaign_id = c.id)
                FROM campaigns c ORDER BY c.id DESC LIMIT ?
                """, [.integer(Int64(limit))])
        }
        return rows.map { (Campaign(id: $0[0].integer ?? 0, sql: $0[1].text ?? "", createdAt: $0[2].integer ?? 0), Int($0[3].integer ?? 0)) }
    }
}
