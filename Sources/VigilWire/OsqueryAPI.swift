/// osquery's TLS remote API (docs/wiki/deployment/remote.md): every call is an HTTPS
/// POST of JSON. Field names are osquery's; the server serves them at Fleet's paths, so
/// an osquery deployment pointed at Fleet moves by changing its host name.
public enum OsqueryPaths {
    public static let enroll = "/api/v1/osquery/enroll"
    public static let config = "/api/v1/osquery/config"
    public static let log = "/api/v1/osquery/log"
    public static let distributedRead = "/api/v1/osquery/distributed/read"
    public static let distributedWrite = "/api/v1/osquery/distributed/write"
}

/// `enroll`: the shared secret and who the host is.
public struct EnrollRequest: Codable, Sendable, Equatable {
    public var enrollSecret: String
    public var hostIdentifier: String
    /// osquery sends its platform mask as text ("9" on Linux); informational.
    public var platformType: String?
    /// `os_version`, `osquery_info`, `system_info`, `platform_info`: each a map of the
    /// table's columns, as osquery sends them (values are strings, sometimes numbers).
    public var hostDetails: [String: [String: JSONValue]]?

    public init(enrollSecret: String, hostIdentifier: String, platformType: String? = nil, hostDetails: [String: [String: JSONValue]]? = nil) {
        self.enrollSecret = enrollSecret
        self.hostIdentifier = hostIdentifier
        self.platformType = platformType
        self.hostDetails = hostDetails
    }

    enum CodingKeys: String, CodingKey {
        case enrollSecret = "enroll_secret", hostIdentifier = "host_identifier"
        case platformType = "platform_type", hostDetails = "host_details"
    }

    /// `platform_type` may arrive as a number from other clients.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enrollSecret = try c.decode(String.self, forKey: .enrollSecret)
        hostIdentifier = try c.decodeIfPresent(String.self, forKey: .hostIdentifier) ?? ""
        platformType = (try? c.decodeIfPresent(JSONValue.self, forKey: .platformType))?.map(\.text)
        hostDetails = try c.decodeIfPresent([String: [String: JSONValue]].self, forKey: .hostDetails)
    }
}

/// `enroll`'s answer: a node key, or `node_invalid` (an empty key is a failure too).
public struct EnrollResponse: Codable, Sendable, Equatable {
    public var nodeKey: String?
    public var nodeInvalid: Bool?
    public var error: String?

    public init(nodeKey: String? = nil, nodeInvalid: Bool? = nil, error: String? = nil) {
        self.nodeKey = nodeKey
        self.nodeInvalid = nodeInvalid
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", nodeInvalid = "node_invalid", error }
}

/// A call that carries only the node key (`config`, `distributed/read`); `config`
/// may carry the ETag of the config the agent holds.
public struct NodeRequest: Codable, Sendable, Equatable {
    public var nodeKey: String
    public var etag: String?

    public init(nodeKey: String, etag: String? = nil) {
        self.nodeKey = nodeKey
        self.etag = etag
    }

    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", etag }
}

/// Any answer that can say the node key is no longer valid (osquery then enrolls again).
public struct NodeInvalidResponse: Codable, Sendable, Equatable {
    public var nodeInvalid: Bool
    public var error: String

    public init(error: String) {
        nodeInvalid = true
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case nodeInvalid = "node_invalid", error }
}

/// `log`: result or status lines in osquery's log formats.
public struct LogRequest: Codable, Sendable, Equatable {
    public enum LogType: String, Codable, Sendable { case result, status }
    public var nodeKey: String
    public var logType: LogType
    public var data: [JSONValue]

    public init(nodeKey: String, logType: LogType, data: [JSONValue]) {
        self.nodeKey = nodeKey
        self.logType = logType
        self.data = data
    }

    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", logType = "log_type", data }
}

/// `distributed/read`'s answer: queries to run now by id; a query whose id is also in
/// `discovery` runs only when its discovery query returns rows; `accelerate` asks the
/// agent to check in every few seconds for that many seconds.
public struct DistributedReadResponse: Codable, Sendable, Equatable {
    public var queries: [String: String]
    public var discovery: [String: String]?
    public var accelerate: Int?
    public var nodeInvalid: Bool?
    /// Vigil's extension, in held reads only: profiles of itself the agent is asked for.
    public var vigilProfiles: [ProfileRequest]?

    public init(queries: [String: String] = [:], discovery: [String: String]? = nil, accelerate: Int? = nil, vigilProfiles: [ProfileRequest]? = nil) {
        self.queries = queries
        self.discovery = discovery
        self.accelerate = accelerate
        self.vigilProfiles = vigilProfiles
    }

    enum CodingKeys: String, CodingKey { case queries, discovery, accelerate, nodeInvalid = "node_invalid", vigilProfiles = "vigil_profiles" }
}

/// The cost osquery reports per distributed query.
public struct DistributedStats: Codable, Sendable, Equatable {
    public var wallTimeMs: Int64?
    public var userTime: Int64?
    public var systemTime: Int64?
    public var memory: Int64?

    public init(wallTimeMs: Int64? = nil, userTime: Int64? = nil, systemTime: Int64? = nil, memory: Int64? = nil) {
        self.wallTimeMs = wallTimeMs
        self.userTime = userTime
        self.systemTime = systemTime
        self.memory = memory
    }

    enum CodingKeys: String, CodingKey { case wallTimeMs = "wall_time_ms", userTime = "user_time", systemTime = "system_time", memory }
}

/// `distributed/write`: each query's rows (column → text), its SQLite status (0 is
/// success), its error message and its cost.
public struct DistributedWriteRequest: Codable, Sendable, Equatable {
    public var nodeKey: String
    public var queries: [String: [[String: JSONValue]]]
    public var statuses: [String: Int]?
    public var messages: [String: String]?
    public var stats: [String: DistributedStats]?
    /// Vigil's write-and-read (`VigilPaths.distributedWriteWait`): seconds the server may
    /// hold the read that follows. osquery sends none.
    public var wait: Int?

    public init(nodeKey: String, queries: [String: [[String: JSONValue]]], statuses: [String: Int]? = nil,
                messages: [String: String]? = nil, stats: [String: DistributedStats]? = nil, wait: Int? = nil) {
        self.nodeKey = nodeKey
        self.queries = queries
        self.statuses = statuses
        self.messages = messages
        self.stats = stats
        self.wait = wait
    }

    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", queries, statuses, messages, stats, wait }

    /// osquery sends `"queries": {"id": ""}` for a query that returned no rows on some
    /// versions, and `statuses` values as numbers or text: accept both.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nodeKey = try c.decode(String.self, forKey: .nodeKey)
        let raw = try c.decodeIfPresent([String: JSONValue].self, forKey: .queries) ?? [:]
        queries = raw.mapValues { value in value.array?.compactMap { $0.object } ?? [] }
        if let s = try c.decodeIfPresent([String: JSONValue].self, forKey: .statuses) {
            statuses = s.compactMapValues { v in
                if case .integer(let i) = v { return Int(i) }
                return Int(v.text)
            }
        }
        messages = try c.decodeIfPresent([String: String].self, forKey: .messages)
        stats = try? c.decodeIfPresent([String: DistributedStats].self, forKey: .stats)
        wait = try? c.decodeIfPresent(Int.self, forKey: .wait)
    }
}

/// What the server answers to `log` and `distributed/write` (osquery ignores it;
/// `node_invalid` still counts).
public struct AckResponse: Codable, Sendable, Equatable {
    public var nodeInvalid: Bool?
    public init() {}
    enum CodingKeys: String, CodingKey { case nodeInvalid = "node_invalid" }
}
