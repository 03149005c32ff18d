/// A host as the server knows it: from enrollment, and kept current by its check-ins.
public struct HostRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var hostIdentifier: String
    public var hostname: String
    public var uuid: String
    public var platform: String
    public var osName: String
    public var osVersion: String
    /// `osquery` or `vigil`, from `osquery_info` (a Vigil agent says so in its extensions).
    public var agent: String
    public var agentVersion: String
    public var cpuBrand: String
    public var physicalMemory: Int64
    public var enrolledAt: Int64
    /// UNIX seconds of the last request the host made.
    public var lastSeen: Int64

    public init(id: Int64 = 0, hostIdentifier: String, hostname: String = "", uuid: String = "", platform: String = "",
                osName: String = "", osVersion: String = "", agent: String = "", agentVersion: String = "",
                cpuBrand: String = "", physicalMemory: Int64 = 0, enrolledAt: Int64 = 0, lastSeen: Int64 = 0) {
        self.id = id
        self.hostIdentifier = hostIdentifier
        self.hostname = hostname
        self.uuid = uuid
        self.platform = platform
        self.osName = osName
        self.osVersion = osVersion
        self.agent = agent
        self.agentVersion = agentVersion
        self.cpuBrand = cpuBrand
        self.physicalMemory = physicalMemory
        self.enrolledAt = enrolledAt
        self.lastSeen = lastSeen
    }

    enum CodingKeys: String, CodingKey {
        case id, hostIdentifier = "host_identifier", hostname, uuid, platform, osName = "os_name", osVersion = "os_version"
        case agent, agentVersion = "agent_version", cpuBrand = "cpu_brand", physicalMemory = "physical_memory"
        case enrolledAt = "enrolled_at", lastSeen = "last_seen"
    }
}

/// Where one target of a live query stands. `offline` is not stored: it is a pending
/// target whose host has not been seen for the server's offline threshold.
public enum TargetState: String, Sendable, Codable {
    /// Waiting for the host to ask.
    case pending
    /// Handed to the host; no answer yet.
    case sent
    /// The host answered with rows (possibly none).
    case answered
    /// The host answered with an error.
    case failed
    /// Pending, and the host has not been seen lately.
    case offline
}

/// One target host of a live query.
public struct CampaignTarget: Sendable, Equatable, Codable {
    public var hostID: Int64
    public var hostIdentifier: String
    public var state: TargetState
    public var rowCount: Int
    public var error: String?
    public var sentAt: Int64?
    public var answeredAt: Int64?
    public var lastSeen: Int64
}

/// A live query: its SQL and when it was asked.
public struct Campaign: Sendable, Equatable, Codable {
    public var id: Int64
    public var sql: String
    public var createdAt: Int64
}

/// A row of a live query's answer, with the host it came from.
public struct CampaignRow: Sendable, Equatable {
    /// Increasing within a campaign: a stream asks for the rows after the last it sent.
    public var id: Int64
    public var hostIdentifier: String
    public var columns: String // JSON object, as the host sent it
}

/// A stored result or status line, as the host sent it.
public struct StoredLog: Sendable, Equatable {
    public var id: Int64
    public var hostIdentifier: String
    public var name: String
    public var unixTime: Int64
    public var line: String
}

/// What the OTLP export reads from the store by a cursor over ids: result and status
/// lines (`logs`), and the rows of live-query answers (`campaign_rows`). Each has its own
/// cursor (a row of `otlp_export`, named by the raw value) and lease.
public enum ExportStream: String, Sendable, CaseIterable {
    case logs
    case answers
    /// Agents' profiles, in the order they were stored (`done_seq`).
    case profiles

    /// The table whose ids the cursor follows.
    var table: String {
        switch self {
        case .logs: "logs"
        case .answers: "campaign_rows"
        case .profiles: "profiles"
        }
    }

    /// The column of those ids.
    var column: String { self == .profiles ? "done_seq" : "id" }
}

/// An agent's profile as the OTLP export reads it (gzip pprof, as stored).
public struct ExportProfile: Sendable, Equatable {
    /// Its place in the order profiles were stored in.
    public var seq: Int64
    public var id: Int64
    public var hostID: Int64
    public var pprof: [UInt8]
}

/// A stored line as the OTLP export reads it: its host by id, and its kind.
public struct ExportLog: Sendable, Equatable {
    public var id: Int64
    public var hostID: Int64
    public var kind: String
    public var unixTime: Int64
    public var line: String
}

/// A row of a live query's answer as the OTLP export reads it, with when the host answered.
public struct ExportAnswerRow: Sendable, Equatable {
    public var id: Int64
    public var campaignID: Int64
    public var hostID: Int64
    /// The row's columns as a JSON object.
    public var columns: String
    public var answeredAt: Int64
}

/// Where the OTLP export of one stream stands.
public struct ExportCursor: Sendable, Equatable {
    /// The collector has every item up to this id.
    public var exportedThrough: Int64
    /// Items up to this id were being sent when the last exporter stopped (beyond
    /// `exportedThrough`: it may have been killed after the collector took them).
    public var sendingThrough: Int64
    /// Items retention deleted before they were exported, since the last claim.
    public var dropped: Int64
}

/// What a bearer token may do: observers read; admins also run queries and change things.
public enum TokenRole: String, Sendable, Codable, CaseIterable {
    case admin
    case observer
}

/// Why the store could not do what was asked.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What the periodic detail queries said of a host; nil fields were not answered.
public struct HostDetailsUpdate: Sendable, Equatable {
    public var hostname: String?
    public var osName: String?
    public var osVersion: String?
    public var platform: String?
    public var agentVersion: String?
    public var cpuBrand: String?
    public var physicalMemory: Int64?
    public var uptimeSeconds: Int64?
    /// JSON array of {interface, address, mask}.
    public var interfaces: String?

    public init() {}
}

/// What a host's config is made of, read together: the fleet's config (nil: the
/// default), every pack, and the labels the host is in.
public struct ConfigSources: Sendable {
    public var config: String?
    public var packs: [PackRecord]
    public var labelIDs: Set<Int64>

    public init(config: String?, packs: [PackRecord], labelIDs: Set<Int64>) {
        self.config = config
        self.packs = packs
        self.labelIDs = labelIDs
    }
}

/// What waits for one host when it asks (`ServerStore.pendingWork`).
public struct PendingWork: Sendable, Equatable {
    /// Live queries that target it and are not yet sent.
    public var liveQueries = false
    /// Dynamic labels it has not answered since the refresh period began.
    public var staleLabels = false
    /// Its details are stale and were not asked for lately.
    public var details = false
    /// Profile requests (Vigil agents).
    public var profiles = false
    /// Some recent live query still waits for a host (stock osquery is told to poll faster).
    public var openCampaigns = false

    public init(liveQueries: Bool = false, staleLabels: Bool = false, details: Bool = false, profiles: Bool = false, openCampaigns: Bool = false) {
        self.liveQueries = liveQueries
        self.staleLabels = staleLabels
        self.details = details
        self.profiles = profiles
        self.openCampaigns = openCampaigns
    }

    /// Work to hand this host (an open campaign elsewhere is not).
    public var forHost: Bool { liveQueries || staleLabels || details || profiles }
}
