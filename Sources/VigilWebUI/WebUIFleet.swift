import VigilServerStore

/// What the web UI needs from the server it is part of: the same checks and actions the
/// REST API uses (so a form and an API call cannot disagree), and the server's secrets
/// handling. The server implements it; the UI knows nothing else of it.
public protocol WebUIFleet: Sendable {
    /// A host not seen for this long is offline.
    var offlineAfterSeconds: Int64 { get }
    /// The stored form of a key or password (SHA-256, hex), as for API tokens.
    func hash(_ secret: String) -> String
    /// A new random key (256 bits) for a session, or a password (120 bits) for a user.
    func newKey() -> String
    func newPassword() -> String
    /// Constant-time comparison of two hashes.
    func equal(_ a: String, _ b: String) -> Bool
    /// Whether this is the admin password (DATA_DIR/admin_password).
    func adminPasswordMatches(_ password: String) async throws -> Bool
    /// Start a live query as `POST /api/v1/queries/run` does; its errors are HTTPErrors
    /// whose message says what to change.
    func startLiveQuery(sql: String, hostIdentifiers: [String], labels: [String]) async throws -> Int64
    /// Ask a Vigil agent for a CPU profile of itself, as `POST /api/v1/hosts/{id}/profiles` does.
    func requestProfile(hostID: Int64, seconds: Int) async throws -> Int64
}
