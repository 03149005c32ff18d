import Foundation
import Logging
import VigilSQL

/// The server's store, written once in SQL that SQLite and PostgreSQL both accept, on
/// whichever engine it is given: embedded SQLite by default, PostgreSQL for a fleet that
/// outgrows one machine or runs several servers.
public final class SQLServerStore: ServerStore {
    let engine: any SQLEngine
    public var dialect: SQLDialect { engine.dialect }
    let hostKeys = HostKeyCache()

    public init(engine: any SQLEngine) {
        self.engine = engine
        engine.subscribe(HostKeyCache.channel) { [hostKeys] payload in
            hostKeys.forget(hostIDs: payload.split(separator: ",").compactMap { Int64($0) })
        }
    }

    /// A host's node key changed or stopped working: no server may still accept the old
    /// one from its cache.
    func forgetHostKeys(_ ids: [Int64]) async throws {
        hostKeys.forget(hostIDs: ids)
        try await notify(HostKeyCache.channel, ids: ids)
    }

    /// Ids to every server on the database, comma-separated. A NOTIFY payload is limited to
    /// 8000 bytes: at most 500 ids (of up to 15 digits) each.
    func notify(_ channel: String, ids: [Int64]) async throws {
        for start in stride(from: 0, to: ids.count, by: 500) {
            try await engine.notify(channel, ids[start..<min(start + 500, ids.count)].map(String.init).joined(separator: ","))
        }
    }

    /// The embedded store: one SQLite file in WAL mode.
    public static func sqlite(path: String) throws -> SQLServerStore {
        SQLServerStore(engine: try SQLiteEngine(path: path))
    }

    /// A PostgreSQL store; the schema is created or brought up to date.
    public static func postgres(_ url: PostgresURL, timeout: Duration = .seconds(10), logger: Logger) async throws -> SQLServerStore {
        SQLServerStore(engine: try await PostgresEngine(url: url, timeout: timeout, logger: logger))
    }

    public func shutdown() async { await engine.shutdown() }

    public func ping() async throws { try await engine.read { db in _ = try await db.rows("SELECT 1") } }
    public var dialectName: String { engine.dialect.rawValue }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }

    // MARK: Enrollment

    public func enrollSecretIsValid(_ secret: String) async throws -> Bool {
        try await engine.read { db in
            try await !db.rows("SELECT 1 FROM enroll_secrets WHERE secret = ? AND revoked_at IS NULL", [.text(secret)]).isEmpty
        }
    }

    public func addEnrollSecret(_ secret: String, name: String) async throws {
        try await engine.write { db in
            try await db.run("INSERT INTO enroll_secrets(secret, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                             [.text(secret), .text(name), .integer(Self.now)])
        }
    }

    public func revokeEnrollSecret(_ secret: String) async throws -> Bool {
        try await engine.write { db in
            try await db.run("UPDATE enroll_secrets SET revoked_at = ? WHERE secret = ? AND revoked_at IS NULL", [.integer(Self.now), .text(secret)]) > 0
        }
    }

    public func enrollSecrets() async throws -> [(secret: String, name: String, revoked: Bool)] {
        let rows = try await engine.read { db in
            try await db.rows("SELECT secret, name, revoked_at FROM enroll_secrets ORDER BY created_at, secret")
        }
        return rows.map { (secret: $0[0].text ?? "", name: $0[1].text ?? "", revoked: $0[2] != .null) }
    }

    public func enroll(_ host: HostRecord, nodeKeyHash: String) async throws -> HostRecord {
        let dialect = dialect
        let enrolled = try await engine.write { db in
            // The same host identifier enrolling again (a reinstall, a lost key) keeps its
            // id, history and labels; its old key stops working.
            let id = try await db.rows("""
                INSERT INTO hosts(node_key_hash, hostname, uuid, platform, os_name, os_version, agent, agent_version,
                  cpu_brand, physical_memory, enrolled_at, last_seen, host_identifier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(host_identifier) DO UPDATE SET node_key_hash = excluded.node_key_hash, hostname = excluded.hostname,
                  uuid = excluded.uuid, platform = excluded.platform, os_name = excluded.os_name, os_version = excluded.os_version,
                  agent = excluded.agent, agent_version = excluded.agent_version, cpu_brand = excluded.cpu_brand,
                  physical_memory = excluded.physical_memory, enrolled_at = excluded.enrolled_at, last_seen = excluded.last_seen
                RETURNING id
                """, [.text(nodeKeyHash), .text(host.hostname), .text(host.uuid), .text(host.platform), .text(host.osName),
                      .text(host.osVersion), .text(host.agent), .text(host.agentVersion), .text(host.cpuBrand),
                      .integer(host.physicalMemory), .integer(host.enrolledAt), .integer(host.lastSeen), .text(host.hostIdentifier)])
            var h = host
            h.id = try Self.id(id)
            try await Self.reindexSearch(hostID: h.id, dialect: dialect, db)
            return h
        }
        // Enrolling again replaces the host's key: the old one stops working.
        try await forgetHostKeys([enrolled.id])
        return enrolled
    }

    /// The id a `RETURNING id` gave.
    static func id(_ rows: [[SQLValue]]) throws -> Int64 {
        guard let id = rows.first?.first?.integer else { throw StoreError("the database returned no id for a new row") }
        return id
    }

    static let hostColumns = "id, host_identifier, hostname, uuid, platform, os_name, os_version, agent, agent_version, cpu_brand, physical_memory, enrolled_at, last_seen"

    static func host(_ r: [SQLValue]) -> HostRecord {
        HostRecord(id: r[0].integer ?? 0, hostIdentifier: r[1].text ?? "", hostname: r[2].text ?? "", uuid: r[3].text ?? "",
                   platform: r[4].text ?? "", osName: r[5].text ?? "", osVersion: r[6].text ?? "", agent: r[7].text ?? "",
                   agentVersion: r[8].text ?? "", cpuBrand: r[9].text ?? "", physicalMemory: r[10].integer ?? 0,
                   enrolledAt: r[11].integer ?? 0, lastSeen: r[12].integer ?? 0)
    }

    public func host(nodeKeyHash: String) async throws -> HostRecord? {
        let now = Self.now
        if let host = hostKeys.host(nodeKeyHash, now: now) { return host }
        let host = try await engine.read { db in try await Self.host(db, nodeKeyHash: nodeKeyHash) }
        if let host { hostKeys.insert(host, keyHash: nodeKeyHash, now: now) }
        return host
    }

    static func host(_ db: any SQLSession, nodeKeyHash: String) async throws -> HostRecord? {
        try await db.rows("SELECT \(hostColumns) FROM hosts WHERE node_key_hash = ?", [.text(nodeKeyHash)]).first.map(host)
    }

    public func host(id: Int64) async throws -> HostRecord? {
        try await engine.read { db in try await db.rows("SELECT \(Self.hostColumns) FROM hosts WHERE id = ?", [.integer(id)]).first.map(Self.host) }
    }

    public func hosts(_ query: HostPageQuery) async throws -> [HostRecord] {
        // The hosts page's filter and order, so that the API and the UI list alike.
        let (filter, args) = Self.hostFilter(query, dialect: dialect)
        let sql = "SELECT \(Self.hostColumns) FROM hosts \(filter) ORDER BY \(Self.hostOrder(query)) LIMIT ? OFFSET ?"
        let arguments = args + [.integer(Int64(query.limit)), .integer(Int64(query.offset))]
        return try await engine.read { db in try await db.rows(sql, arguments).map(Self.host) }
    }

    static func escapeLike(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    /// The ids of these host identifiers, in their order; unknown ones are left out.
    public func hostIDs(identifiers: [String]) async throws -> [Int64] {
        let known = try await hostIDsByIdentifier(identifiers)
        return identifiers.compactMap { known[$0] }
    }

    /// One statement per 500 identifiers: a live query to 2,000 named hosts took 2,000
    /// round trips before it started (3.6 s on PostgreSQL).
    public func hostIDsByIdentifier(_ identifiers: [String]) async throws -> [String: Int64] {
        let unique = Array(Set(identifiers))
        guard !unique.isEmpty else { return [:] }
        return try await engine.read { db in
            var ids: [String: Int64] = [:]
            for start in stride(from: 0, to: unique.count, by: 500) {
                let chunk = unique[start..<min(start + 500, unique.count)]
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                for row in try await db.rows("SELECT host_identifier, id FROM hosts WHERE host_identifier IN (\(marks))", chunk.map { .text($0) }) {
                    if let identifier = row[0].text, let id = row[1].integer { ids[identifier] = id }
                }
            }
            return ids
        }
    }

    public func touch(_ lastSeen: [Int64: Int64]) async throws {
        guard !lastSeen.isEmpty else { return }
        let pairs = Array(lastSeen)
        try await engine.write { db in
            // One statement per few hundred hosts: a round trip each on PostgreSQL.
            for start in stride(from: 0, to: pairs.count, by: 400) {
                let chunk = pairs[start..<min(start + 400, pairs.count)]
                let values = Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ")
                try await db.run("""
                    UPDATE hosts SET last_seen = v.column2 FROM (VALUES \(values)) AS v
                    WHERE hosts.id = v.column1 AND hosts.last_seen < v.column2
                    """, chunk.flatMap { [SQLValue.integer($0.key), .integer($0.value)] })
            }
        }
    }

    public func deleteHost(id: Int64) async throws -> Bool {
        let deleted = try await engine.write { db in
            // Its schedule's costs are the agent's current state, not history: they would
            // count in the fleet's query performance for a host that no longer reports.
            try await db.run("DELETE FROM host_schedule WHERE host_id = ?", [.integer(id)])
            return try await db.run("UPDATE hosts SET node_key_hash = NULL WHERE id = ?", [.integer(id)]) > 0
        }
        if deleted { try await forgetHostKeys([id]) }
        return deleted
    }

    // MARK: Settings

    public func setting(_ key: String) async throws -> String? {
        try await engine.read { db in try await db.rows("SELECT value FROM settings WHERE key = ?", [.text(key)]).first?[0].text }
    }

    public func setSetting(_ key: String, _ value: String) async throws {
        try await engine.write { db in
            try await db.run("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [.text(key), .text(value)])
        }
    }

    // MARK: Logs

    public func storeLogs(hostID: Int64, kind: String, lines: [(name: String, unixTime: Int64, line: String)]) async throws -> [Int] {
        // A line twice in one batch is stored once, like a resend.
        var seen = Set<String>(), firsts: [Int] = []
        for (i, l) in lines.enumerated() where seen.insert(l.line).inserted { firsts.append(i) }
        let unique = firsts
        let keyed = engine.dialect == .sqlite
        // Up to 200 lines (nearly every request) are one statement, atomic by itself. More
        // need no transaction either: a line already stored conflicts and is skipped, so an
        // agent resending the whole batch after a failure stores each line once.
        let inserted = try await engine.writeStatement { db in
            // One statement per 200 lines (a round trip each on PostgreSQL); RETURNING names
            // the lines that were new (a conflict inserts nothing and returns nothing).
            var new = Set<String>()
            for start in stride(from: 0, to: unique.count, by: 200) {
                let chunk = unique[start..<min(start + 200, unique.count)]
                // SQLite: new unless the host has the same line under its key (LogKey).
                // PostgreSQL: a conflict on (host_id, line_md5) inserts nothing.
                let placeholders = keyed ? "(?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?)"
                let values = Array(repeating: placeholders, count: chunk.count).joined(separator: ", ")
                let arguments = chunk.flatMap { i -> [SQLValue] in
                    let base: [SQLValue] = [.integer(hostID), .text(kind), .text(lines[i].name), .integer(lines[i].unixTime), .text(lines[i].line)]
                    return keyed ? base + [.integer(LogKey.of(lines[i].line))] : base
                }
                let sql = keyed ? """
                    INSERT INTO logs(host_id, kind, name, unix_time, line, line_key)
                    SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6 FROM (VALUES \(values)) AS v
                    WHERE NOT EXISTS (SELECT 1 FROM logs l WHERE l.host_id = v.column1 AND l.line_key = v.column6 AND l.line = v.column5)
                    RETURNING line
                    """ : "INSERT INTO logs(host_id, kind, name, unix_time, line) VALUES \(values) ON CONFLICT DO NOTHING RETURNING line"
                for row in try await db.rows(sql, arguments) {
                    if let line = row.first?.text { new.insert(line) }
                }
            }
            return new
        }
        return unique.filter { inserted.contains(lines[$0].line) }
    }

    public func logs(kind: String, name: String?, hostIdentifier: String?, limit: Int, offset: Int) async throws -> [StoredLog] {
        var sql = "SELECT l.id, h.host_identifier, l.name, l.unix_time, l.line FROM logs l JOIN hosts h ON h.id = l.host_id WHERE l.kind = ?"
        var args: [SQLValue] = [.text(kind)]
        if let name { sql += " AND l.name = ?"; args.append(.text(name)) }
        if let hostIdentifier { sql += " AND h.host_identifier = ?"; args.append(.text(hostIdentifier)) }
        sql += " ORDER BY l.id LIMIT ? OFFSET ?"
        let arguments = args + [.integer(Int64(limit)), .integer(Int64(offset))]
        return try await engine.read { [sql] db in
            try await db.rows(sql, arguments).map {
                StoredLog(id: $0[0].integer ?? 0, hostIdentifier: $0[1].text ?? "", name: $0[2].text ?? "", unixTime: $0[3].integer ?? 0, line: $0[4].text ?? "")
            }
        }
    }

    public func logs(after: Int64, through: Int64, limit: Int) async throws -> [StoredLog] {
        try await engine.read { db in
            try await db.rows("""
                SELECT l.id, h.host_identifier, l.name, l.unix_time, l.line FROM logs l JOIN hosts h ON h.id = l.host_id
                WHERE l.id > ? AND l.id <= ? ORDER BY l.id LIMIT ?
                """, [.integer(after), .integer(through), .integer(Int64(limit))]).map {
                StoredLog(id: $0[0].integer ?? 0, hostIdentifier: $0[1].text ?? "", name: $0[2].text ?? "", unixTime: $0[3].integer ?? 0, line: $0[4].text ?? "")
            }
        }
    }

    public func lastLogID() async throws -> Int64 {
        try await engine.read { db in try await db.rows("SELECT max(id) FROM logs").first?.first?.integer ?? 0 }
    }

    /// Where a --forward target's cursor is kept: the setting of this prefix and the target.
    public static let forwardCursorPrefix = "forward_cursor:"

    public func pruneLogs(olderThan time: Int64) async throws -> Int {
        let dialect = dialect
        return try await engine.write { db in
            try await Self.countUnexported(.logs, where: "unix_time < ?", [.integer(time)], db)
            // SQLite gives a new row max(id) + 1: were the newest line deleted, ids would be
            // given again, below a cursor, and those lines never exported or forwarded. While
            // the OTLP export or a --forward target keeps a cursor, the newest line stays
            // (PostgreSQL's ids never go back).
            let cursors = "EXISTS (SELECT 1 FROM otlp_export) OR EXISTS (SELECT 1 FROM settings WHERE key LIKE '\(Self.escapeLike(Self.forwardCursorPrefix))%' ESCAPE '\\')"
            let keepNewest = dialect == .sqlite ? " AND NOT (id = (SELECT max(id) FROM logs) AND (\(cursors)))" : ""
            return try await db.run("DELETE FROM logs WHERE unix_time < ?" + keepNewest, [.integer(time)])
        }
    }

    // MARK: Work announcements

    static let workChannel = "vigil_work"

    public func announceWork(hostIDs: [Int64]) async throws {
        try await notify(Self.workChannel, ids: hostIDs)
    }

    public func workAnnouncements() -> AsyncStream<[Int64]> {
        let (stream, continuation) = AsyncStream<[Int64]>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        engine.subscribe(Self.workChannel) { payload in continuation.yield(payload.split(separator: ",").compactMap { Int64($0) }) }
        return stream
    }

    static let answerChannel = "vigil_answers"

    public func announceAnswers(campaignIDs: [Int64]) async throws {
        try await notify(Self.answerChannel, ids: campaignIDs)
    }

    public func subscribeAnswers(_ handler: @escaping @Sendable ([Int64]) -> Void) {
        engine.subscribe(Self.answerChannel) { payload in handler(payload.split(separator: ",").compactMap { Int64($0) }) }
    }

    // MARK: Tokens

    public func addToken(hash: String, role: TokenRole, name: String, at time: Int64) async throws {
        try await engine.write { db in
            try await db.run("INSERT INTO api_tokens(token_hash, role, name, created_at) VALUES (?, ?, ?, ?)",
                             [.text(hash), .text(role.rawValue), .text(name), .integer(time)])
        }
    }

    public func tokenRole(hash: String) async throws -> TokenRole? {
        try await engine.read { db in
            try await db.rows("SELECT role FROM api_tokens WHERE token_hash = ?", [.text(hash)]).first?[0].text.flatMap(TokenRole.init(rawValue:))
        }
    }

    public func token(hash: String) async throws -> APIToken? {
        try await engine.read { db in
            try await db.rows("SELECT token_hash, role, name, created_at FROM api_tokens WHERE token_hash = ?", [.text(hash)]).first.map {
                APIToken(hash: $0[0].text ?? "", role: TokenRole(rawValue: $0[1].text ?? "") ?? .observer, name: $0[2].text ?? "", createdAt: $0[3].integer ?? 0)
            }
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await engine.read { db in
            try await db.rows("SELECT token_hash, role, name, created_at FROM api_tokens ORDER BY created_at, token_hash").map {
                APIToken(hash: $0[0].text ?? "", role: TokenRole(rawValue: $0[1].text ?? "") ?? .observer, name: $0[2].text ?? "", createdAt: $0[3].integer ?? 0)
            }
        }
    }

    public func revokeToken(hash: String) async throws -> Bool {
        try await engine.write { db in try await db.run("DELETE FROM api_tokens WHERE token_hash = ?", [.text(hash)]) > 0 }
    }
}
