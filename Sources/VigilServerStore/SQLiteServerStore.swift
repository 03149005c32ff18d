import Dispatch
import Foundation
import Synchronization
import VigilSQL

/// The embedded store: one SQLite database in WAL mode. SQLite calls block, so they run
/// on one serial queue of their own, never on an event loop or the concurrency pool;
/// callers await them. One writer at a time is all SQLite allows anyway.
public final class SQLiteServerStore: ServerStore, @unchecked Sendable {
    // @unchecked: each connection is only touched on its own queue.
    private let database: Confined<StateDatabase>
    private let queue = DispatchQueue(label: "vigil.server.store")
    /// Readers beside the one writer: WAL lets them read while it writes, so lookups
    /// (a node key on every request) do not queue behind writes.
    private let readers: [(queue: DispatchQueue, database: Confined<StateDatabase>)]
    private let nextReader = Atomic<Int>(0)

    public init(path: String, readers count: Int = 2) throws {
        let db = try StateDatabase(path: path, durability: .processCrash)
        try db.transaction { () throws(SQLError) in try Migrations.apply(to: db) }
        database = Confined(db)
        readers = try (0..<count).map { i in
            (DispatchQueue(label: "vigil.server.store.read\(i)"), Confined(try StateDatabase(path: path, durability: .processCrash)))
        }
    }

    /// Run a read-only `body` on one of the reader connections.
    func read<T: Sendable>(_ body: @escaping @Sendable (StateDatabase) throws -> T) async throws -> T {
        guard !readers.isEmpty else { return try await run(body) }
        let reader = readers[nextReader.add(1, ordering: .relaxed).oldValue % readers.count]
        return try await withCheckedThrowingContinuation { continuation in
            reader.queue.async { continuation.resume(with: Result { try body(reader.database.value) }) }
        }
    }

    /// Run `body` on the store's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (StateDatabase) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [database] in
                continuation.resume(with: Result { try body(database.value) })
            }
        }
    }

    // MARK: Enrollment

    public func enrollSecretIsValid(_ secret: String) async throws -> Bool {
        try await read { db in
            try !db.rows("SELECT 1 FROM enroll_secrets WHERE secret = ? AND revoked_at IS NULL", [.text(secret)]).isEmpty
        }
    }

    public func addEnrollSecret(_ secret: String, name: String) async throws {
        try await run { db in
            try db.run("INSERT OR IGNORE INTO enroll_secrets(secret, name, created_at) VALUES (?, ?, strftime('%s','now'))", [.text(secret), .text(name)])
        }
    }

    public func revokeEnrollSecret(_ secret: String) async throws -> Bool {
        try await run { db in
            try db.run("UPDATE enroll_secrets SET revoked_at = strftime('%s','now') WHERE secret = ? AND revoked_at IS NULL", [.text(secret)]) > 0
        }
    }

    public func enrollSecrets() async throws -> [(secret: String, name: String, revoked: Bool)] {
        let rows = try await read { db in
            try db.rows("SELECT secret, name, revoked_at IS NOT NULL FROM enroll_secrets ORDER BY created_at").map {
                [$0[0].text ?? "", $0[1].text ?? "", String($0[2].integer ?? 0)]
            }
        }
        return rows.map { (secret: $0[0], name: $0[1], revoked: $0[2] != "0") }
    }

    public func enroll(_ host: HostRecord, nodeKeyHash: String) async throws -> HostRecord {
        try await run { db in
            try db.transaction { () throws(SQLError) in
                // The same host identifier enrolling again (a reinstall, a lost key) keeps its
                // id, history and labels; its old key stops working.
                let existing = try db.rows("SELECT id FROM hosts WHERE host_identifier = ?", [.text(host.hostIdentifier)]).first?[0].integer
                var h = host
                if let existing {
                    try db.run("""
                        UPDATE hosts SET node_key_hash = ?, hostname = ?, uuid = ?, platform = ?, os_name = ?, os_version = ?,
                          agent = ?, agent_version = ?, cpu_brand = ?, physical_memory = ?, enrolled_at = ?, last_seen = ? WHERE id = ?
                        """, Self.values(h, nodeKeyHash: nodeKeyHash) + [.integer(existing)])
                    h.id = existing
                } else {
                    try db.run("""
                        INSERT INTO hosts(node_key_hash, hostname, uuid, platform, os_name, os_version, agent, agent_version,
                          cpu_brand, physical_memory, enrolled_at, last_seen, host_identifier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, Self.values(h, nodeKeyHash: nodeKeyHash) + [.text(h.hostIdentifier)])
                    h.id = db.lastInsertRowID
                }
                return h
            }
        }
    }

    private static func values(_ h: HostRecord, nodeKeyHash: String) -> [SQLValue] {
        [.text(nodeKeyHash), .text(h.hostname), .text(h.uuid), .text(h.platform), .text(h.osName), .text(h.osVersion),
         .text(h.agent), .text(h.agentVersion), .text(h.cpuBrand), .integer(h.physicalMemory), .integer(h.enrolledAt), .integer(h.lastSeen)]
    }

    static let hostColumns = "id, host_identifier, hostname, uuid, platform, os_name, os_version, agent, agent_version, cpu_brand, physical_memory, enrolled_at, last_seen"

    static func host(_ r: [SQLValue]) -> HostRecord {
        HostRecord(id: r[0].integer ?? 0, hostIdentifier: r[1].text ?? "", hostname: r[2].text ?? "", uuid: r[3].text ?? "",
                   platform: r[4].text ?? "", osName: r[5].text ?? "", osVersion: r[6].text ?? "", agent: r[7].text ?? "",
                   agentVersion: r[8].text ?? "", cpuBrand: r[9].text ?? "", physicalMemory: r[10].integer ?? 0,
                   enrolledAt: r[11].integer ?? 0, lastSeen: r[12].integer ?? 0)
    }

    public func host(nodeKeyHash: String) async throws -> HostRecord? {
        try await read { db in
            try db.rows("SELECT \(Self.hostColumns) FROM hosts WHERE node_key_hash = ?", [.text(nodeKeyHash)]).first.map(Self.host)
        }
    }

    public func host(id: Int64) async throws -> HostRecord? {
        try await read { db in try db.rows("SELECT \(Self.hostColumns) FROM hosts WHERE id = ?", [.integer(id)]).first.map(Self.host) }
    }

    public func hosts(search: String?, seenSince: Int64?, notSeenSince: Int64?, limit: Int, offset: Int) async throws -> [HostRecord] {
        try await read { db in
            var clauses: [String] = [], args: [SQLValue] = []
            if let search, !search.isEmpty {
                clauses.append("(host_identifier LIKE ? ESCAPE '\\' OR hostname LIKE ? ESCAPE '\\' OR uuid LIKE ? ESCAPE '\\')")
                let pattern = "%" + Self.escapeLike(search) + "%"
                args += [.text(pattern), .text(pattern), .text(pattern)]
            }
            if let seenSince { clauses.append("last_seen >= ?"); args.append(.integer(seenSince)) }
            if let notSeenSince { clauses.append("last_seen < ?"); args.append(.integer(notSeenSince)) }
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try db.rows("SELECT \(Self.hostColumns) FROM hosts \(whereClause) ORDER BY hostname, id LIMIT ? OFFSET ?",
                               args + [.integer(Int64(limit)), .integer(Int64(offset))]).map(Self.host)
        }
    }

    static func escapeLike(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    public func hostIDs(identifiers: [String]) async throws -> [Int64] {
        try await read { db in
            try identifiers.compactMap { try db.rows("SELECT id FROM hosts WHERE host_identifier = ?", [.text($0)]).first?[0].integer }
        }
    }

    public func touch(_ lastSeen: [Int64: Int64]) async throws {
        guard !lastSeen.isEmpty else { return }
        try await run { db in
            try db.transaction { () throws(SQLError) in
                for (host, time) in lastSeen {
                    try db.run("UPDATE hosts SET last_seen = ? WHERE id = ? AND last_seen < ?", [.integer(time), .integer(host), .integer(time)])
                }
            }
        }
    }

    public func deleteHost(id: Int64) async throws -> Bool {
        try await run { db in try db.run("UPDATE hosts SET node_key_hash = NULL WHERE id = ?", [.integer(id)]) > 0 }
    }

    // MARK: Settings

    public func setting(_ key: String) async throws -> String? {
        try await read { db in try db.rows("SELECT value FROM settings WHERE key = ?", [.text(key)]).first?[0].text }
    }

    public func setSetting(_ key: String, _ value: String) async throws {
        try await run { db in _ = try db.run("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", [.text(key), .text(value)]) }
    }

    // MARK: Logs

    public func storeLogs(hostID: Int64, kind: String, lines: [(name: String, unixTime: Int64, line: String)]) async throws -> [Int] {
        try await run { db in
            try db.transaction { () throws(SQLError) in
                var stored: [Int] = []
                for (i, l) in lines.enumerated() {
                    let changed = try db.run("INSERT OR IGNORE INTO logs(host_id, kind, name, unix_time, line) VALUES (?, ?, ?, ?, ?)",
                                             [.integer(hostID), .text(kind), .text(l.name), .integer(l.unixTime), .text(l.line)])
                    if changed > 0 { stored.append(i) }
                }
                return stored
            }
        }
    }

    public func logs(kind: String, name: String?, hostIdentifier: String?, limit: Int, offset: Int) async throws -> [StoredLog] {
        try await read { db in
            var sql = "SELECT l.id, h.host_identifier, l.name, l.unix_time, l.line FROM logs l JOIN hosts h ON h.id = l.host_id WHERE l.kind = ?"
            var args: [SQLValue] = [.text(kind)]
            if let name { sql += " AND l.name = ?"; args.append(.text(name)) }
            if let hostIdentifier { sql += " AND h.host_identifier = ?"; args.append(.text(hostIdentifier)) }
            sql += " ORDER BY l.id LIMIT ? OFFSET ?"
            return try db.rows(sql, args + [.integer(Int64(limit)), .integer(Int64(offset))]).map {
                StoredLog(id: $0[0].integer ?? 0, hostIdentifier: $0[1].text ?? "", name: $0[2].text ?? "", unixTime: $0[3].integer ?? 0, line: $0[4].text ?? "")
            }
        }
    }

    public func pruneLogs(olderThan time: Int64) async throws -> Int {
        try await run { db in try db.run("DELETE FROM logs WHERE unix_time < ?", [.integer(time)]) }
    }

    // MARK: Campaigns

    public func createCampaign(sql: String, hostIDs: [Int64], at time: Int64) async throws -> Campaign {
        try await run { db in
            try db.transaction { () throws(SQLError) in
                try db.run("INSERT INTO campaigns(sql, created_at) VALUES (?, ?)", [.text(sql), .integer(time)])
                let id = db.lastInsertRowID
                for host in Set(hostIDs) {
                    try db.run("INSERT INTO campaign_targets(campaign_id, host_id, state) VALUES (?, ?, 'pending')", [.integer(id), .integer(host)])
                }
                return Campaign(id: id, sql: sql, createdAt: time)
            }
        }
    }

    public func campaign(id: Int64) async throws -> Campaign? {
        try await read { db in
            try db.rows("SELECT id, sql, created_at FROM campaigns WHERE id = ?", [.integer(id)]).first.map {
                Campaign(id: $0[0].integer ?? 0, sql: $0[1].text ?? "", createdAt: $0[2].integer ?? 0)
            }
        }
    }

    public func campaignTargets(id: Int64) async throws -> [CampaignTarget] {
        try await read { db in
            try db.rows("""
                SELECT t.host_id, h.host_identifier, t.state, t.row_count, t.error, t.sent_at, t.answered_at, h.last_seen
                FROM campaign_targets t JOIN hosts h ON h.id = t.host_id WHERE t.campaign_id = ? ORDER BY h.host_identifier
                """, [.integer(id)]).map {
                CampaignTarget(hostID: $0[0].integer ?? 0, hostIdentifier: $0[1].text ?? "", state: TargetState(rawValue: $0[2].text ?? "") ?? .pending,
                               rowCount: Int($0[3].integer ?? 0), error: $0[4].text, sentAt: $0[5].integer, answeredAt: $0[6].integer, lastSeen: $0[7].integer ?? 0)
            }
        }
    }

    public func campaignRows(id: Int64, after: Int64, limit: Int) async throws -> [CampaignRow] {
        try await read { db in
            try db.rows("""
                SELECT r.id, h.host_identifier, r.columns FROM campaign_rows r JOIN hosts h ON h.id = r.host_id
                WHERE r.campaign_id = ? AND r.id > ? ORDER BY r.id LIMIT ?
                """, [.integer(id), .integer(after), .integer(Int64(limit))]).map {
                CampaignRow(id: $0[0].integer ?? 0, hostIdentifier: $0[1].text ?? "", columns: $0[2].text ?? "{}")
            }
        }
    }

    public func takePendingQueries(hostID: Int64, at time: Int64) async throws -> [Int64: String] {
        try await run { db in
            try db.transaction { () throws(SQLError) in
                let rows = try db.rows("""
                    SELECT c.id, c.sql FROM campaign_targets t JOIN campaigns c ON c.id = t.campaign_id
                    WHERE t.host_id = ? AND t.state = 'pending'
                    """, [.integer(hostID)])
                try db.run("UPDATE campaign_targets SET state = 'sent', sent_at = ? WHERE host_id = ? AND state = 'pending'", [.integer(time), .integer(hostID)])
                return Dictionary(uniqueKeysWithValues: rows.map { ($0[0].integer ?? 0, $0[1].text ?? "") })
            }
        }
    }

    public func hasPendingQueries(hostID: Int64) async throws -> Bool {
        try await read { db in try !db.rows("SELECT 1 FROM campaign_targets WHERE host_id = ? AND state = 'pending' LIMIT 1", [.integer(hostID)]).isEmpty }
    }

    public func recordAnswer(campaignID: Int64, hostID: Int64, rows: [String], error: String?, at time: Int64) async throws -> Bool {
        try await run { db in
            try db.transaction { () throws(SQLError) in
                let changed = try db.run("""
                    UPDATE campaign_targets SET state = ?, row_count = ?, error = ?, answered_at = ?
                    WHERE campaign_id = ? AND host_id = ? AND state IN ('pending', 'sent')
                    """, [.text(error == nil ? "answered" : "failed"), .integer(Int64(rows.count)), SQLValue(error), .integer(time),
                          .integer(campaignID), .integer(hostID)])
                guard changed > 0 else { return false }
                for row in rows {
                    try db.run("INSERT INTO campaign_rows(campaign_id, host_id, columns) VALUES (?, ?, ?)", [.integer(campaignID), .integer(hostID), .text(row)])
                }
                return true
            }
        }
    }

    public func hasOpenCampaigns(since time: Int64) async throws -> Bool {
        try await read { db in
            try !db.rows("""
                SELECT 1 FROM campaigns c JOIN campaign_targets t ON t.campaign_id = c.id
                WHERE c.created_at >= ? AND t.state IN ('pending', 'sent') LIMIT 1
                """, [.integer(time)]).isEmpty
        }
    }

    // MARK: Tokens

    public func addToken(hash: String, role: TokenRole, name: String, at time: Int64) async throws {
        try await run { db in
            _ = try db.run("INSERT INTO api_tokens(token_hash, role, name, created_at) VALUES (?, ?, ?, ?)", [.text(hash), .text(role.rawValue), .text(name), .integer(time)])
        }
    }

    public func tokenRole(hash: String) async throws -> TokenRole? {
        try await read { db in
            try db.rows("SELECT role FROM api_tokens WHERE token_hash = ?", [.text(hash)]).first?[0].text.flatMap(TokenRole.init(rawValue:))
        }
    }
}

/// A value used on one serial queue only, which is what makes passing it there safe.
struct Confined<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
