/// Vigil's extensions on the same connection: endpoints a stock osquery server never
/// sees called. An agent that finds them missing (HTTP 404) falls back to osquery's
/// polling.
public enum VigilPaths {
    /// The held-open read: answered as soon as a live query targets the host, or with
    /// no queries after `wait` seconds.
    public static let distributedWait = "/api/v1/vigil/distributed/wait"
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
