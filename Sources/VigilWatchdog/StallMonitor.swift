import VigilSystem

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

/// What the worker has done so far, to tell a slow query from a stuck one: CPU time
/// (/proc/PID/stat) and bytes read through read(2) and friends (/proc/PID/io rchar).
public struct WorkDone: Sendable, Equatable {
    public var cpuNanoseconds: Int64
    public var readBytes: Int64

    public init(cpuNanoseconds: Int64, readBytes: Int64) {
        self.cpuNanoseconds = cpuNanoseconds
        self.readBytes = readBytes
    }

    /// `pid`'s CPU time and rchar now; nil when it is gone or /proc/PID/io is unreadable.
    public static func read(_ pid: Int32) -> WorkDone? {
        guard let usage = ProcessUsage.read(pid),
              let io = try? FileSystem.readText("/proc/\(pid)/io", limit: 4096),
              let line = io.split(separator: "\n").first(where: { $0.hasPrefix("rchar:") }),
              let rchar = Int64(line.dropFirst("rchar:".count).drop(while: { $0 == " " })) else { return nil }
        return WorkDone(cpuNanoseconds: usage.cpuNanoseconds, readBytes: rchar)
    }
}

/// Judges whether the worker makes progress on the query it marked: one run held
/// for the latency limit while the worker used under 1% of a core and read under
/// 1 MiB is a breach. A query blocked in the kernel (a read of a FIFO, a dead network
/// mount) uses no CPU and no memory, so only this shows it; without it the schedule
/// stops behind it for good. A slow query that computes or reads is left alone: each
/// window in which it worked starts a new one. Pure: observations carry their time.
public struct StallMonitor: Sendable {
    public let limits: Limits
    /// Below both, over a whole window, the worker did nothing.
    public static let idleCPUFraction = 0.01
    public static let idleReadBytes: Int64 = 1 << 20
    private let started: Int64
    private var current: ExecutingQuery?
    /// When the current window started (monotonic nanoseconds), and the work by then.
    private var since: Int64 = 0
    private var baseline: WorkDone?

    /// - Parameter started: when the worker was started (monotonic nanoseconds).
    public init(limits: Limits, started: Int64) {
        self.limits = limits
        self.started = started
    }

    /// Take one reading of the executing marker and the worker's work at `now`
    /// (monotonic nanoseconds).
    public mutating func observe(_ executing: ExecutingQuery?, work: WorkDone?, at now: Int64) -> Breach? {
        guard executing == current, let baseline, let work else {
            current = executing
            since = now
            baseline = work
            return nil
        }
        let limit = Int64(limits.latencySeconds) * 1_000_000_000
        let window = now - since
        guard current != nil, limit > 0, now - started >= Int64(limits.delaySeconds) * 1_000_000_000,
              window >= limit else { return nil }
        let cpu = work.cpuNanoseconds - baseline.cpuNanoseconds
        let read = work.readBytes - baseline.readBytes
        if Double(cpu) >= Double(window) * Self.idleCPUFraction || read >= Self.idleReadBytes {
            since = now
            self.baseline = work
            return nil
        }
        let held = Double(window) / 1e9
        return Breach(limit: .stalled, measured: held, threshold: Double(limits.latencySeconds), seconds: held,
                      allowedSeconds: Double(limits.latencySeconds))
    }
}
