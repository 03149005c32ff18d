import VigilServerStore
import VigilWebUI

/// The server as the web UI sees it: the REST API's own checks and actions, and the
/// server's secrets, so a form and an API call go through the same code.
struct WebUIBridge: WebUIFleet {
    let api: APIEndpoints

    var offlineAfterSeconds: Int64 { api.fleet.options.offlineAfterSeconds }
    func hash(_ secret: String) -> String { Secrets.hash(secret) }
    func newKey() -> String { Secrets.newKey() }
    func newPassword() -> String { Secrets.newPassword() }
    func equal(_ a: String, _ b: String) -> Bool { Secrets.equal(a, b) }

    func adminPasswordMatches(_ password: String) async throws -> Bool {
        guard let stored = api.adminPasswordHash else { return false }
        return Secrets.equal(Secrets.hash(password), stored)
    }

    func startLiveQuery(sql: String, hostIdentifiers: [String], labels: [String]) async throws -> Int64 {
        try await api.startCampaign(sql: sql, hostIdentifiers: hostIdentifiers, labels: labels)
    }

    func requestProfile(hostID: Int64, seconds: Int) async throws -> Int64 {
        try await api.startProfile(hostID: hostID, seconds: seconds, frequency: 99)
    }
}
