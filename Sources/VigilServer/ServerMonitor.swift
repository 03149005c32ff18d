import Foundation
import Logging
import ServiceLifecycle
import VigilServerStore
import VigilSystem

/// Every 10 s, this server's own CPU (percent of one core, from /proc/self/stat's user and
/// system ticks) and resident memory into the store, under this server's name, so the
/// dashboard of each server on a shared database charts its own (Velociraptor's
/// Server.Monitor.Health). Kept a week.
struct ServerMonitor: Service {
    static let interval = 10.0
    static let keepSeconds: Int64 = 7 * 86_400

    let store: any ServerStore
    let name: String
    let logger: Logger

    /// This process's CPU ticks so far and resident bytes.
    static func sample() -> (ticks: Int64, resident: Int64)? {
        guard let stat = try? ProcessStat.read(getpid()) else { return nil }
        return (stat.userTicks + stat.systemTicks, stat.residentPages * Int64(sysconf(Int32(_SC_PAGESIZE))))
    }

    func run() async throws {
        var previous = (sample: Self.sample(), at: ContinuousClock.now)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { await CancellablePause.seconds(Self.interval) }
            if Task.isShuttingDownGracefully { break }
            let now = (sample: Self.sample(), at: ContinuousClock.now)
            defer { previous = now }
            guard let before = previous.sample, let after = now.sample else { continue }
            let elapsed = Double((now.at - previous.at).components.seconds) + Double((now.at - previous.at).components.attoseconds) / 1e18
            let cpu = elapsed > 0 ? Double(after.ticks - before.ticks) / Double(ProcFS.ticksPerSecond) / elapsed * 100 : 0
            do {
                try await store.storeServerSample(server: name, time: FleetContext.now(), cpuPercent: cpu, residentBytes: after.resident, keepSeconds: Self.keepSeconds)
            } catch {
                logger.warning("server monitor: \(error)")
            }
        }
    }
}
