import Logging
import ServiceLifecycle
import VigilSystem

/// Once the worker has settled (its first scheduled runs, enrollment, the tracer
/// attached), the code pages only start-up used are unmapped (`WorkingSet`), so that the
/// idle agent's resident set is what it goes on to use, not all it ever touched.
struct StartupCodeRelease: Service {
    let afterSeconds: Int
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(afterSeconds)) }
        guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
        let released = WorkingSet.releaseStartupCode()
        logger.debug("start-up code released", metadata: ["bytes": "\(released)"])
    }
}
