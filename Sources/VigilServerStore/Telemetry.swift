/// One sample of an agent's own cost (vigil_telemetry), or a 5-minute average of them.
public struct TelemetryPoint: Sendable, Equatable, Codable {
    public var time: Int64
    public var cpuPercent: Double
    public var residentBytes: Int64
    public var threads: Int64
    public var queriesRun: Int64

    public init(time: Int64, cpuPercent: Double, residentBytes: Int64, threads: Int64, queriesRun: Int64) {
        self.time = time
        self.cpuPercent = cpuPercent
        self.residentBytes = residentBytes
        self.threads = threads
        self.queriesRun = queriesRun
    }

    enum CodingKeys: String, CodingKey { case time, cpuPercent = "cpu_percent", residentBytes = "resident_size", threads, queriesRun = "queries_run" }
}

/// One scheduled query's cost on one host, as that host's vigil_schedule (or
/// osquery_schedule) reports it: cumulative since the agent's state began.
public struct HostQueryStats: Sendable, Equatable, Codable {
    public var name: String
    public var query: String
    public var interval: Int64
    public var executions: Int64
    public var wallTimeMs: Int64
    public var userTimeMs: Int64
    public var systemTimeMs: Int64
    public var averageMemory: Int64
    public var outputSize: Int64
    public var denylisted: Bool
    public var lastWallTimeMs: Int64
    public var errors: Int64

    public init(name: String, query: String = "", interval: Int64 = 0, executions: Int64 = 0, wallTimeMs: Int64 = 0, userTimeMs: Int64 = 0,
                systemTimeMs: Int64 = 0, averageMemory: Int64 = 0, outputSize: Int64 = 0, denylisted: Bool = false,
                lastWallTimeMs: Int64 = 0, errors: Int64 = 0) {
        self.name = name
        self.query = query
        self.interval = interval
        self.executions = executions
        self.wallTimeMs = wallTimeMs
        self.userTimeMs = userTimeMs
        self.systemTimeMs = systemTimeMs
        self.averageMemory = averageMemory
        self.outputSize = outputSize
        self.denylisted = denylisted
        self.lastWallTimeMs = lastWallTimeMs
        self.errors = errors
    }

    enum CodingKeys: String, CodingKey {
        case name, query, interval, executions, wallTimeMs = "wall_time_ms", userTimeMs = "user_time", systemTimeMs = "system_time"
        case averageMemory = "average_memory", outputSize = "output_size", denylisted, lastWallTimeMs = "last_wall_time_ms", errors
    }
}

/// What a host's latest telemetry report said besides its points.
public struct HostHealth: Sendable, Equatable {
    public var reportedAt: Int64
    /// vigil_events and vigil_outputs rows, as JSON arrays.
    public var events: String
    public var outputs: String
}
