/// One scheduled query across the fleet: how many hosts run it, how often it ran, and
/// the spread of its cost per run over those hosts (each host's cumulative cost divided
/// by its runs; percentiles by nearest rank over the hosts that ran it at least once, or
/// over a fixed sample of them in a large fleet; the maximum over all of them).
public struct QueryPerformance: Sendable, Equatable {
    public var name: String
    public var query: String
    public var hosts: Int
    public var executions: Int64
    public var denylistedHosts: Int
    public var hostsWithErrors: Int
    /// User plus system time summed over every host, ms.
    public var cpuTimeMs: Int64
    /// Hosts whose costs the percentiles are over: all that ran it, or a sample (one host
    /// id in `stride`) when more than the sample size did.
    public var sampledHosts: Int
    /// Per run: wall time (ms), CPU time (ms), output (bytes); memory is the hosts' average (bytes).
    public var wallTimeMs: Percentiles
    public var cpuPerRunMs: Percentiles
    public var memoryBytes: Percentiles
    public var outputBytes: Percentiles

    public init(name: String, query: String, hosts: Int, executions: Int64, denylistedHosts: Int, hostsWithErrors: Int, cpuTimeMs: Int64,
                sampledHosts: Int, wallTimeMs: Percentiles, cpuPerRunMs: Percentiles, memoryBytes: Percentiles, outputBytes: Percentiles) {
        self.name = name
        self.query = query
        self.hosts = hosts
        self.executions = executions
        self.denylistedHosts = denylistedHosts
        self.hostsWithErrors = hostsWithErrors
        self.cpuTimeMs = cpuTimeMs
        self.sampledHosts = sampledHosts
        self.wallTimeMs = wallTimeMs
        self.cpuPerRunMs = cpuPerRunMs
        self.memoryBytes = memoryBytes
        self.outputBytes = outputBytes
    }

    /// The 50th, 95th and 99th percentiles and the maximum (0 when no host ran the query).
    public struct Percentiles: Sendable, Equatable {
        public var p50: Double
        public var p95: Double
        public var p99: Double
        public var max: Double

        public init(p50: Double, p95: Double, p99: Double, max: Double) {
            self.p50 = p50
            self.p95 = p95
            self.p99 = p99
            self.max = max
        }
    }
}

/// What "costs most" means when drilling down into one query's hosts: per run.
public enum QueryCostOrder: String, Sendable, CaseIterable {
    case wall, cpu, memory, output
}
