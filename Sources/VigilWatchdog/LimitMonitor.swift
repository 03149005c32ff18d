/// The limits the supervisor enforces, in osquery's terms: memory above the
/// worker's initial footprint, and CPU utilization (percent of all logical cores)
/// sustained for a number of seconds. Limits apply only after a start-up delay.
public struct Limits: Sendable, Equatable {
    public var memoryMB: Int
    public var utilizationPercent: Int
    public var latencySeconds: Int
    public var delaySeconds: Int

    public init(memoryMB: Int, utilizationPercent: Int, latencySeconds: Int, delaySeconds: Int) {
        self.memoryMB = memoryMB
        self.utilizationPercent = utilizationPercent
        self.latencySeconds = latencySeconds
        self.delaySeconds = delaySeconds
    }
}

/// A limit the worker went over, with what was measured: what the kill record and
/// the logs say.
public struct Breach: Sendable, Equatable, CustomStringConvertible {
    public enum Limit: String, Sendable {
        case memory
        case cpu
        /// One query held the worker for the latency limit with no progress (osquery's
        /// watchdog_latency_limit): blocked in the kernel, it uses no CPU to be caught by.
        case stalled
    }
    public var limit: Limit
    /// Memory above the initial footprint (MB), utilization (percent of all cores), or
    /// how long the query has run (seconds).
    public var measured: Double
    public var threshold: Double
    /// How long it was over (seconds); 0 for memory, which is judged on one sample.
    public var seconds: Double
    /// How long it may be over (the latency limit, seconds).
    public var allowedSeconds: Double = 0

    public var description: String {
        switch limit {
        case .memory:
            return "memory: \(Self.fixed(measured)) MB above the initial footprint (limit \(Int(threshold)) MB)"
        case .cpu:
            return "cpu: \(Self.fixed(measured))% of all cores for \(Self.fixed(seconds)) s (limit \(Int(threshold))% for \(Int(allowedSeconds)) s)"
        case .stalled:
            return "stalled: one query ran \(Self.fixed(measured)) s with no progress (under 1% of a core and 1 MiB read; limit \(Int(threshold)) s)"
        }
    }

    static func fixed(_ v: Double) -> String {
        let tenths = Int64((v * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// Judges successive samples of one worker. Pure: samples carry their own time.
public struct LimitMonitor: Sendable {
    public let limits: Limits
    public let cores: Int
    private let started: Int64
    private var baseline: Int64?
    private var previous: ProcessUsage?
    /// When utilization first went over the limit in the current run of samples.
    private var overSince: Int64?
    private var overCPU: Int64 = 0

    /// - Parameter started: when the worker was started (monotonic nanoseconds).
    public init(limits: Limits, cores: Int, started: Int64) {
        self.limits = limits
        self.cores = max(1, cores)
        self.started = started
    }

    /// The worker's footprint the memory limit is measured from.
    public var initialFootprint: Int64? { baseline }

    /// Take one sample; returns the limit broken, if any.
    public mutating func observe(_ usage: ProcessUsage) -> Breach? {
        defer { previous = usage }
        // The footprint is the first sample's: the worker's size once it is up.
        if baseline == nil { baseline = usage.residentBytes }
        guard usage.at - started >= Int64(limits.delaySeconds) * 1_000_000_000 else { return nil }

        let above = Double(usage.residentBytes - (baseline ?? usage.residentBytes)) / 1_048_576
        if limits.memoryMB > 0 && above > Double(limits.memoryMB) {
            return Breach(limit: .memory, measured: above, threshold: Double(limits.memoryMB), seconds: 0)
        }

        guard let previous, usage.at > previous.at, limits.utilizationPercent > 0 else { return nil }
        let interval = usage.at - previous.at
        let percent = Double(usage.cpuNanoseconds - previous.cpuNanoseconds) * 100 / (Double(interval) * Double(cores))
        if percent > Double(limits.utilizationPercent) {
            if overSince == nil {
                overSince = previous.at
                overCPU = 0
            }
            overCPU += usage.cpuNanoseconds - previous.cpuNanoseconds
            let over = usage.at - overSince!
            if over >= Int64(limits.latencySeconds) * 1_000_000_000 {
                let average = Double(overCPU) * 100 / (Double(over) * Double(cores))
                return Breach(limit: .cpu, measured: average, threshold: Double(limits.utilizationPercent),
                              seconds: Double(over) / 1e9, allowedSeconds: Double(limits.latencySeconds))
            }
        } else {
            overSince = nil
        }
        return nil
    }
}
