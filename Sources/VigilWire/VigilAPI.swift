/// Vigil's extensions on the same connection: endpoints a stock osquery server never
/// sees called. An agent that finds them missing (HTTP 404) falls back to osquery's
/// polling.
public enum VigilPaths {
    /// The held-open read: answered as soon as a live query targets the host, or with
    /// no queries after `wait` seconds.
    public static let distributedWait = "/api/v1/vigil/distributed/wait"
    /// Answers, then the next held read, in one request: the body is a distributed write
    /// (`DistributedWriteRequest`) with `wait` set, the answer a held read's. During a
    /// live query to thousands of agents this is a third fewer requests (answered read,
    /// write, next read → answered read, write-and-read).
    public static let distributedWriteWait = "/api/v1/vigil/distributed/write"
}

/// The held-open read's request: the node key, and how long the server may hold it.
public struct DistributedWaitRequest: Codable, Sendable, Equatable {
    public var nodeKey: String
    /// Seconds; the server caps it (`DistributedWaitRequest.maxWaitSeconds`).
    public var wait: Int

    public static let maxWaitSeconds = 60

    public init(nodeKey: String, wait: Int) {
        self.nodeKey = nodeKey
        self.wait = wait
    }

    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", wait }
}

extension VigilPaths {
    /// The agent's own health every 10 s: its tables vigil_telemetry (new points),
    /// vigil_schedule (per-query cost), vigil_watchdog (new kills), vigil_events and
    /// vigil_outputs (counters), as rows of column → text.
    public static let telemetry = "/api/v1/vigil/telemetry"
}

/// A telemetry report: rows by table name.
public struct TelemetryRequest: Codable, Sendable, Equatable {
    public var nodeKey: String
    public var tables: [String: [[String: String]]]

    public static let tableNames = ["vigil_telemetry", "vigil_schedule", "vigil_watchdog", "vigil_events", "vigil_outputs"]

    public init(nodeKey: String, tables: [String: [[String: String]]]) {
        self.nodeKey = nodeKey
        self.tables = tables
    }

    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", tables }
}

extension VigilPaths {
    /// A requested CPU profile of the agent itself, uploaded when taken.
    public static let profile = "/api/v1/vigil/profile"
}

/// The server asks a Vigil agent (in a held read's answer) to profile itself.
public struct ProfileRequest: Codable, Sendable, Equatable {
    public var id: Int64
    public var seconds: Int
    public var frequency: Int

    public static let maxSeconds = 300

    public init(id: Int64, seconds: Int, frequency: Int) {
        self.id = id
        self.seconds = seconds
        self.frequency = frequency
    }
}

/// The agent's answer to a `ProfileRequest`: the pprof (gzip, base64) and a readable
/// report of its memory and threads, or the reason there is none.
public struct ProfileUpload: Codable, Sendable, Equatable {
    public var nodeKey: String
    public var id: Int64
    public var pprof: String?
    public var report: String?
    public var samples: Int?
    public var seconds: Double?
    public var error: String?
    /// A continuous profile (`profiling_interval`), not asked for: `id` is 0.
    public var continuous: Bool?

    public init(nodeKey: String, id: Int64, pprof: String? = nil, report: String? = nil, samples: Int? = nil, seconds: Double? = nil, error: String? = nil, continuous: Bool? = nil) {
        self.nodeKey = nodeKey
        self.id = id
        self.pprof = pprof
        self.report = report
        self.samples = samples
        self.seconds = seconds
        self.error = error
        self.continuous = continuous
    }

    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", id, pprof, report, samples, seconds, error, continuous }
}
