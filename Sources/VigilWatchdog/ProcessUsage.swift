import VigilSystem

/// What the supervisor samples of the worker: CPU time used so far and resident
/// memory, from /proc/PID/stat (one read, no parsing of status).
public struct ProcessUsage: Sendable, Equatable {
    /// User plus system CPU time, nanoseconds.
    public var cpuNanoseconds: Int64
    public var residentBytes: Int64
    /// When it was read (CLOCK_MONOTONIC nanoseconds).
    public var at: Int64

    public init(cpuNanoseconds: Int64, residentBytes: Int64, at: Int64) {
        self.cpuNanoseconds = cpuNanoseconds
        self.residentBytes = residentBytes
        self.at = at
    }

    /// Read `pid` now; nil when it is gone.
    public static func read(_ pid: Int32) -> ProcessUsage? {
        guard let stat = try? ProcessStat.read(pid) else { return nil }
        let ticks = stat.userTicks + stat.systemTicks
        return ProcessUsage(cpuNanoseconds: ticks * 1_000_000_000 / ProcFS.ticksPerSecond,
                            residentBytes: stat.residentPages * ProcFS.pageSize,
                            at: Clock.monotonicNanoseconds())
    }
}
