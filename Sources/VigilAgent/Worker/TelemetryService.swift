import Glibc
import Logging
import ServiceLifecycle
import VigilSystem

/// Every 10 s the worker records its own CPU use and memory into the state store
/// (`vigil_telemetry`), kept for 24 h: an agent that says what it costs.
public final class TelemetryService: Service, @unchecked Sendable {
    // @unchecked: `store` is used by `run` alone.
    let store: StateStore
    let logger: Logger
    let intervalSeconds: Double
    let queriesRun: @Sendable () -> Int64

    public init(statePath: String, intervalSeconds: Double = 10, logger: Logger, queriesRun: @escaping @Sendable () -> Int64) throws {
        store = try StateStore(path: statePath, durability: .processCrash)
        self.intervalSeconds = intervalSeconds
        self.logger = logger
        self.queriesRun = queriesRun
    }

    /// User plus system CPU time in nanoseconds.
    static func cpuNanoseconds(_ s: ProcessStat) -> Int64 {
        (s.userTicks + s.systemTicks) * 1_000_000_000 / ProcFS.ticksPerSecond
    }

    public func run() async throws {
        let pid = getpid()
        var previous = (try? ProcessStat.read(pid)).map(Self.cpuNanoseconds) ?? 0
        var previousAt = Clock.monotonicNanoseconds()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Wake at once on shutdown: the supervisor gives the worker a few seconds.
            try? await cancelWhenGracefulShutdown { [intervalSeconds] in try await Task.sleep(for: .seconds(intervalSeconds)) }
            if Task.isShuttingDownGracefully { break }
            guard let stat = try? ProcessStat.read(pid) else { continue }
            let cpu = Self.cpuNanoseconds(stat)
            let now = Clock.monotonicNanoseconds()
            let percent = now > previousAt ? Double(cpu - previous) * 100 / Double(now - previousAt) : 0
            (previous, previousAt) = (cpu, now)
            let sample = TelemetrySample(time: Clock.realtimeNanoseconds() / 1_000_000_000, pid: Int64(pid), cpuPercent: percent,
                                         residentBytes: stat.residentPages * ProcFS.pageSize, threads: Int64(stat.threads),
                                         queriesRun: queriesRun())
            do { try store.recordTelemetry(sample) } catch { logger.warning("cannot record telemetry: \(error)") }
        }
    }
}
