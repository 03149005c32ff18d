import ServiceLifecycle
import VigilServerStore

/// Wakes this server's held reads for work announced by any server on the same database:
/// a live query submitted to one server reaches agents connected to another at once
/// (PostgreSQL's LISTEN/NOTIFY carries it; no further service such as Redis).
struct WorkRelay: Service {
    let store: any ServerStore
    let hub: LiveQueryHub

    func run() async throws {
        // Structured all the way down (no sequence wrapper that drives its upstream from a
        // task of its own), so that a wake never waits for a thread of the cooperative pool.
        let announcements = store.workAnnouncements()
        try? await cancelWhenGracefulShutdown {
            for await hostIDs in announcements { hub.wake(hostIDs: hostIDs) }
        }
    }
}
