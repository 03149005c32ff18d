import VigilServerStore

/// What the web UI needs from the server it is part of: the same checks and actions the
/// REST API uses (so a form and an API call cannot disagree), and the server's secrets
/// handling. The server implements it; the UI knows nothing else of it.
public protocol WebUIFleet: Sendable {
    /// This server's name among those sharing the database (its own CPU and memory samples).
    var serverName: String { get }
    /// A host not seen for this long is offline.
    var offlineAfterSeconds: Int64 { get }
    /// The stored form of a random key (SHA-256, hex), as for API tokens and sessions.
    func hash(_ secret: String) -> String
    /// The stored form of a password (bcrypt), and whether a password matches one.
    func passwordHash(_ password: String) async -> String
    func passwordMatches(_ password: String, stored: String) async -> Bool
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
    /// Profile this server, as `POST /api/v1/server/profiles` does.
    func profileServer(seconds: Int) async throws -> Int64

    /// The server's check of SQL against the tables' schemas (what a live query, a label
    /// or a scheduled query is refused for, and what it is only warned about).
    func checkSQL(_ sql: String) -> SQLCheck

    // Scheduled queries, labels and packs: the REST API's checks and writes.
    func scheduledQueries() async throws -> [ScheduledQuery]
    /// Save `query`; `replacing` names the entry it was (its name and pack) when edited.
    func saveScheduledQuery(_ query: ScheduledQuery, replacing: (name: String, pack: String?)?) async throws
    func deleteScheduledQuery(name: String, pack: String?) async throws
    /// A dynamic label (`query`) or a manual one (`hosts`, by host identifier).
    func createLabel(name: String, description: String, query: String?, hosts: [String]) async throws
    func updateLabel(id: Int64, description: String, query: String?, hosts: [String]) async throws
    /// A pack for the hosts of `labels` (none: every host); editing keeps its queries.
    func savePack(id: Int64?, name: String, labels: [String], shard: Int?) async throws

    /// Two done profiles of one host compared function by function (the largest changes).
    func compareProfiles(before: Int64, after: Int64, limit: Int) async throws -> ProfileComparison

    // Settings
    /// A new enroll secret (random), as `POST /api/v1/enroll_secrets` makes one.
    func addEnrollSecret(name: String) async throws -> String
    /// A new API token; the token itself, shown once (only its hash is kept).
    func createToken(name: String, role: TokenRole) async throws -> String
}

/// The outcome of the server's schema check: errors refuse the SQL, warnings do not.
public struct SQLCheck: Sendable, Equatable {
    public var errors: [String]
    public var warnings: [String]

    public init(errors: [String], warnings: [String]) {
        self.errors = errors
        self.warnings = warnings
    }
}

/// One scheduled query: in the config's schedule (every host; `pack` nil) or in a pack
/// (the hosts of the pack's labels).
public struct ScheduledQuery: Sendable, Equatable {
    public var name: String
    public var query: String
    public var interval: Int
    /// Snapshot (every run's rows) or differential (rows added and removed since the last run).
    public var snapshot: Bool
    /// Percentage of the targeted hosts that run it (osquery's `shard`); nil: all.
    public var shard: Int?
    public var pack: String?
    /// The pack's labels (read only here: they belong to the pack).
    public var labels: [String]

    public init(name: String, query: String, interval: Int, snapshot: Bool, shard: Int? = nil, pack: String? = nil, labels: [String] = []) {
        self.name = name
        self.query = query
        self.interval = interval
        self.snapshot = snapshot
        self.shard = shard
        self.pack = pack
        self.labels = labels
    }
}

/// Two profiles of one host, and the functions whose share of the samples changed most.
public struct ProfileComparison: Sendable {
    public var hostID: Int64
    public var before: ProfileRecord
    public var after: ProfileRecord
    public var samplesBefore: UInt64
    public var samplesAfter: UInt64
    public var changes: [ProfileChange]

    public init(hostID: Int64, before: ProfileRecord, after: ProfileRecord, samplesBefore: UInt64, samplesAfter: UInt64, changes: [ProfileChange]) {
        self.hostID = hostID
        self.before = before
        self.after = after
        self.samplesBefore = samplesBefore
        self.samplesAfter = samplesAfter
        self.changes = changes
    }
}

/// One function's share of the samples (percent) in two profiles: on the stack (total)
/// and at its top (self).
public struct ProfileChange: Sendable, Equatable {
    public var function: String
    public var totalBefore: Double
    public var totalAfter: Double
    public var selfBefore: Double
    public var selfAfter: Double

    public init(function: String, totalBefore: Double, totalAfter: Double, selfBefore: Double, selfAfter: Double) {
        self.function = function
        self.totalBefore = totalBefore
        self.totalAfter = totalAfter
        self.selfBefore = selfBefore
        self.selfAfter = selfAfter
    }
}
