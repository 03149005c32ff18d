import Logging
import ServiceLifecycle
import Synchronization
import VigilServerStore

/// Hosts' last-seen times, written in batches: every agent request counts as a sign of
/// life, and one UPDATE (a WAL write on the store's single writer) per request was a
/// large part of the server's cost per request under load. Held here at most
/// `flushSeconds`, a small fraction of the 45 s after which a host counts as offline;
/// losing them in a crash only makes hosts look seen a moment earlier.
final class LastSeen: Service, Sendable {
    private let pending = Mutex<[Int64: Int64]>([:])
    let store: any ServerStore
    let flushSeconds: Double
    let logger: Logger

    init(store: any ServerStore, flushSeconds: Double = 2, logger: Logger) {
        self.store = store
        self.flushSeconds = flushSeconds
        self.logger = logger
    }

    func seen(_ hostID: Int64, at time: Int64) {
        pending.withLock { $0[hostID] = max($0[hostID] ?? 0, time) }
    }

    func flush() async {
        let batch = pending.withLock { p -> [Int64: Int64] in defer { p = [:] }; return p }
        do { try await store.touch(batch) } catch {
            logger.error("last seen times not stored: \(error)")
        }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(self.flushSeconds * 1000))) }
            await flush()
        }
        await flush()
    }
}
