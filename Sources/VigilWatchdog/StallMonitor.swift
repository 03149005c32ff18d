/// The query the worker marked as running, as the supervisor reads it: a new run of
/// the same query has a new start.
public struct ExecutingQuery: Sendable, Equatable {
    public var name: String
    public var started: Int64

    public init(name: String, started: Int64) {
        self.name = name
        self.started = started
    }
}

/// Judges whether the worker makes progress: one marked query held for the latency
/// limit is a breach. A query blocked in the kernel (a read of a FIFO, a dead network
/// mount) uses no CPU and no memory, so only its length shows it; without this the
/// schedule stops behind it for good. Pure: observations carry their own time.
public struct StallMonitor: Sendable {
    public let limits: Limits
    private let started: Int64
    private var current: ExecutingQuery?
    /// When `current` was first seen (monotonic nanoseconds).
    private var since: Int64 = 0

    /// - Parameter started: when the worker was started (monotonic nanoseconds).
    public init(limits: Limits, started: Int64) {
        self.limits = limits
        self.started = started
    }

    /// Take one reading of the executing marker at `now` (monotonic nanoseconds).
    public mutating func observe(_ executing: ExecutingQuery?, at now: Int64) -> Breach? {
        guard executing == current else {
            current = executing
            since = now
            return nil
        }
        let limit = Int64(limits.latencySeconds) * 1_000_000_000
        guard current != nil, limit > 0, now - started >= Int64(limits.delaySeconds) * 1_000_000_000,
              now - since >= limit else { return nil }
        let held = Double(now - since) / 1e9
        return Breach(limit: .stalled, measured: held, threshold: Double(limits.latencySeconds), seconds: held,
                      allowedSeconds: Double(limits.latencySeconds))
    }
}
