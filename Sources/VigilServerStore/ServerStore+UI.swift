/// What the web UI asks of the store beyond the agents' and the REST API's needs:
/// users and their browser sessions, a hosts page that filters, sorts, pages and counts
/// in the database (100,000 hosts never travel to the server to be sorted), and the
/// fleet-wide summaries of the dashboard. A PostgreSQL store answers the same calls.
public protocol ServerUIStore: Sendable {
    // Users besides the built-in admin (whose password hash is the setting `admin_password_hash`)
    /// Add a user; false when the name is taken.
    func createUser(name: String, role: TokenRole, passwordHash: String, at: Int64) async throws -> Bool
    func user(name: String) async throws -> WebUser?
    func users() async throws -> [WebUser]
    /// Remove a user and end their sessions; false when there is no such user.
    func deleteUser(name: String) async throws -> Bool
    /// Change a user's role; their sessions end (they log in again under the new role).
    func setRole(name: String, role: TokenRole) async throws -> Bool

    // Browser sessions, stored as the SHA-256 of the cookie's value (as API tokens are)
    /// Store a session; expired sessions are deleted on the way.
    func createSession(hash: String, userName: String, role: TokenRole, at: Int64, expiresAt: Int64) async throws
    /// The session with this hash, unless it has expired by `now` (its absolute end).
    func session(hash: String, now: Int64) async throws -> WebSession?
    /// Record that the session was used (its idle timeout counts from here).
    func touchSession(hash: String, at: Int64) async throws
    func deleteSession(hash: String) async throws

    // Hosts page and dashboard
    /// One page of hosts and how many match in all.
    func hostPage(_ query: HostPageQuery) async throws -> (hosts: [HostRecord], total: Int)
    /// The operating systems (`os_name`) the hosts run, with how many run each.
    func hostOSNames() async throws -> [(name: String, hosts: Int)]
    /// All hosts, and those seen at or after `seenSince`.
    func hostCounts(seenSince: Int64) async throws -> (total: Int, online: Int)
    /// When each of these hosts was last seen (hosts that are gone are left out).
    func lastSeen(hostIDs: [Int64]) async throws -> [Int64: Int64]
    /// Scheduled queries by CPU time spent on them across the fleet, costliest first.
    func costliestQueries(limit: Int) async throws -> [ScheduledQueryCost]
    /// The newest watchdog events of any host, newest first.
    func recentWatchdog(limit: Int) async throws -> [WatchdogRecord]
    /// The newest live queries, newest first, with how many hosts each targeted.
    func recentCampaigns(limit: Int) async throws -> [(campaign: Campaign, targets: Int)]
    /// Hosts enrolled before `since`, and those enrolled since, by bucket of `bucketSeconds`.
    func enrollments(since: Int64, bucketSeconds: Int64) async throws -> (before: Int, buckets: [(time: Int64, hosts: Int)])
    /// Events lost and output records dropped, as the hosts last reported them, with the hosts losing most.
    func losses(limit: Int) async throws -> (eventsLost: Int64, outputsDropped: Int64, hosts: [HostLosses])

    // The server's own cost, by server (several may share the database)
    /// Store a 10 s sample of a server's CPU (% of one core) and resident memory; its samples
    /// older than `keepSeconds` go.
    func storeServerSample(server: String, time: Int64, cpuPercent: Double, residentBytes: Int64, keepSeconds: Int64) async throws
    func serverSamples(server: String, since: Int64) async throws -> [TelemetryPoint]
}

/// A person who logs in to the web UI.
public struct WebUser: Sendable, Equatable {
    public var name: String
    public var role: TokenRole
    /// SHA-256 (hex) of the password, which the server made at random (120 bits).
    public var passwordHash: String
    public var createdAt: Int64

    public init(name: String, role: TokenRole, passwordHash: String, createdAt: Int64) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// A logged-in browser.
public struct WebSession: Sendable, Equatable {
    public var userName: String
    public var role: TokenRole
    public var expiresAt: Int64
    /// When a request last used it (idle sessions end; see the web UI's Sessions).
    public var lastUsedAt: Int64

    public init(userName: String, role: TokenRole, expiresAt: Int64, lastUsedAt: Int64) {
        self.userName = userName
        self.role = role
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }
}

/// The hosts page's columns to sort by.
public enum HostSort: String, Sendable, CaseIterable {
    case hostname
    case lastSeen = "last_seen"
    case os
    case enrolled
}

/// Which hosts, in which order, which page.
public struct HostPageQuery: Sendable, Equatable {
    /// Part of the host name, identifier or UUID.
    public var search: String?
    public var seenSince: Int64?
    public var notSeenSince: Int64?
    public var labelID: Int64?
    /// Exactly this `os_name`.
    public var osName: String?
    public var sort: HostSort
    public var descending: Bool
    public var limit: Int
    public var offset: Int

    public init(search: String? = nil, seenSince: Int64? = nil, notSeenSince: Int64? = nil, labelID: Int64? = nil, osName: String? = nil,
                sort: HostSort = .hostname, descending: Bool = false, limit: Int = 50, offset: Int = 0) {
        self.search = search
        self.seenSince = seenSince
        self.notSeenSince = notSeenSince
        self.labelID = labelID
        self.osName = osName
        self.sort = sort
        self.descending = descending
        self.limit = limit
        self.offset = offset
    }
}

/// One scheduled query's cost summed over the hosts that run it.
public struct ScheduledQueryCost: Sendable, Equatable {
    public var name: String
    public var query: String
    public var hosts: Int
    public var executions: Int64
    public var wallTimeMs: Int64
    /// User plus system time, ms.
    public var cpuTimeMs: Int64
    public var denylistedHosts: Int

    public init(name: String, query: String, hosts: Int, executions: Int64, wallTimeMs: Int64, cpuTimeMs: Int64, denylistedHosts: Int) {
        self.name = name
        self.query = query
        self.hosts = hosts
        self.executions = executions
        self.wallTimeMs = wallTimeMs
        self.cpuTimeMs = cpuTimeMs
        self.denylistedHosts = denylistedHosts
    }
}

/// A watchdog event (a JSON object, as the agent sent it) and the host it came from.
public struct WatchdogRecord: Sendable, Equatable {
    public var hostID: Int64
    public var hostname: String
    public var time: Int64
    public var event: String

    public init(hostID: Int64, hostname: String, time: Int64, event: String) {
        self.hostID = hostID
        self.hostname = hostname
        self.time = time
        self.event = event
    }
}

/// An API token as listed: its hash (the token itself is never stored) and what it may do.
public struct APIToken: Sendable, Equatable {
    public var hash: String
    public var role: TokenRole
    public var name: String
    public var createdAt: Int64

    public init(hash: String, role: TokenRole, name: String, createdAt: Int64) {
        self.hash = hash
        self.role = role
        self.name = name
        self.createdAt = createdAt
    }
}

/// A host's event and output losses, as its latest telemetry report gave them.
public struct HostLosses: Sendable, Equatable {
    public var hostID: Int64
    public var hostname: String
    public var hostIdentifier: String
    /// Events lost in the kernel's ring buffer or dropped from a full store.
    public var eventsLost: Int64
    /// Result records an output gave up on.
    public var outputsDropped: Int64
    public var reportedAt: Int64

    public init(hostID: Int64, hostname: String, hostIdentifier: String, eventsLost: Int64, outputsDropped: Int64, reportedAt: Int64) {
        self.hostID = hostID
        self.hostname = hostname
        self.hostIdentifier = hostIdentifier
        self.eventsLost = eventsLost
        self.outputsDropped = outputsDropped
        self.reportedAt = reportedAt
    }
}
