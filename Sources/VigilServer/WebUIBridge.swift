import Hummingbird
import VigilServerStore
import VigilWebUI

/// The server as the web UI sees it: the REST API's own checks and actions, and the
/// server's secrets, so a form and an API call go through the same code.
struct WebUIBridge: WebUIFleet {
    let api: APIEndpoints
    let serverName: String

    var offlineAfterSeconds: Int64 { api.fleet.options.offlineAfterSeconds }
    func hash(_ secret: String) -> String { Secrets.hash(secret) }
    func newKey() -> String { Secrets.newKey() }
    func newPassword() -> String { Secrets.newPassword() }
    func equal(_ a: String, _ b: String) -> Bool { Secrets.equal(a, b) }
    func passwordHash(_ password: String) async -> String { await Secrets.passwordHash(password) }
    func passwordMatches(_ password: String, stored: String) async -> Bool { await Secrets.passwordMatches(password, stored: stored) }

    func adminPasswordMatches(_ password: String) async throws -> Bool {
        guard let stored = api.adminPasswordHash else { return false }
        return await Secrets.passwordMatches(password, stored: stored)
    }

    func startLiveQuery(sql: String, hostIdentifiers: [String], labels: [String]) async throws -> Int64 {
        try await api.startCampaign(sql: sql, hostIdentifiers: hostIdentifiers, labels: labels)
    }

    func requestProfile(hostID: Int64, seconds: Int) async throws -> Int64 {
        try await api.startProfile(hostID: hostID, seconds: seconds, frequency: 99)
    }

    func profileServer(seconds: Int) async throws -> Int64 {
        try await api.fleet.serverProfiler.start(seconds: seconds, frequency: 99)
    }

    func checkSQL(_ sql: String) -> SQLCheck {
        guard sql.utf8.count <= APIEndpoints.maxSQLBytes else { return SQLCheck(errors: ["the SQL is over \(APIEndpoints.maxSQLBytes) bytes"], warnings: []) }
        let outcome = SchemaCheck.check(sql)
        func describe(_ p: SchemaCheck.Problem) -> String { p.message + (p.offset.map { " (at byte \($0))" } ?? "") }
        return SQLCheck(errors: outcome.errors.map(describe), warnings: outcome.warnings.map(describe))
    }

    func scheduledQueries() async throws -> [ScheduledQuery] { try await api.scheduledQueries() }

    func saveScheduledQuery(_ query: ScheduledQuery, replacing: (name: String, pack: String?)?) async throws {
        try await api.saveScheduledQuery(query, replacing: replacing)
    }

    func deleteScheduledQuery(name: String, pack: String?) async throws { try await api.deleteScheduledQuery(name: name, pack: pack) }

    func createLabel(name: String, description: String, query: String?, hosts: [String]) async throws {
        try await api.createLabel(name: name, description: description, query: query, hosts: hosts)
    }

    func updateLabel(id: Int64, description: String, query: String?, hosts: [String]) async throws {
        try await api.updateLabel(id: id, description: description, query: query, hosts: hosts)
    }

    func savePack(id: Int64?, name: String, labels: [String], shard: Int?) async throws {
        try await api.savePack(id: id, name: name, labels: labels, shard: shard)
    }

    func compareProfiles(before: Int64, after: Int64, limit: Int) async throws -> ProfileComparison {
        try await api.compareProfiles(before: before, after: after, limit: limit)
    }

    func addEnrollSecret(name: String) async throws -> String { try await api.addEnrollSecret(name: name, secret: nil) }

    func createToken(name: String, role: TokenRole) async throws -> String {
        guard (1...128).contains(name.utf8.count) else { throw HTTPError(.badRequest, message: "a token's name is 1 to 128 bytes") }
        let token = Secrets.newKey()
        try await api.fleet.store.addToken(hash: Secrets.hash(token), role: role, name: name, at: FleetContext.now())
        return token
    }
}
