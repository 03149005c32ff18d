import Logging
import ServiceLifecycle
import Synchronization
import VigilServerStore
import VigilSystem

/// Hosts' last-seen times, written in batches: every agent request counts as a sign of
/// life, and one UPDATE (a WAL write on the store's single writer) per request was a
/// large part of the server's cost per request under load. Times are kept to
/// `granularitySeconds` (a host seen again within it is not written again: a host is
/// offline after 45 s, so 15 s tell nothing; an osquery agent polling every 10 s is
/// written every 20 s, not every 10: half the row versions, each of which PostgreSQL
/// writes into every index of `hosts`) and flushed every `flushSeconds`
/// in small batches rather than a large one, which would hold the writer, and every
/// agent's results behind it, for tens of milliseconds. Losing them in a crash only
/// makes hosts look seen a moment earlier.
final class LastSeen: Service, Sendable {
    private struct State {
        var pending: [Int64: Int64] = [:]
        /// What this server last wrote for each host (another server's writes are its own).
        var written: [Int64: Int64] = [:]
    }
    private let state = Mutex(State())
    let store: any ServerStore
    let flushSeconds: Double
    let granularitySeconds: Int64
    let logger: Logger

    init(store: any ServerStore, flushSeconds: Double = 0.25, granularitySeconds: Int64 = 15, logger: Logger) {
        self.store = store
        self.flushSeconds = flushSeconds
        self.granularitySeconds = granularitySeconds
        self.logger = logger
    }

    func seen(_ hostID: Int64, at time: Int64) {
        state.withLock { s in
            if let written = s.written[hostID], time - written < granularitySeconds { return }
            s.pending[hostID] = max(s.pending[hostID] ?? 0, time)
        }
    }

    func flush() async {
        let batch = state.withLock { s -> [Int64: Int64] in defer { s.pending = [:] }; return s.pending }
        guard !batch.isEmpty else { return }
        do {
            try await store.touch(batch)
            state.withLock { s in s.written.merge(batch) { max($0, $1) } }
        } catch {
            logger.error("last seen times not stored: \(error)")
        }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // A dispatch timer: Task.sleep's fires on the cooperative pool, which busy
            // synchronous work can hold. A quarter second is short enough to wait out at shutdown.
            await DispatchPause.seconds(flushSeconds)
            await flush()
        }
        await flush()
    }
}
