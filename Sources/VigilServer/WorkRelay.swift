import ServiceLifecycle
import VigilServerStore

/// Wakes this server's held reads for work announced by any server on the same database:
/// a live query submitted to one server reaches agents connected to another at once
/// (PostgreSQL's LISTEN/NOTIFY carries it; no further service such as Redis).
struct WorkRelay: Service {
    let store: any ServerStore
    let hub: LiveQueryHub

    func run() async throws {
        for await hostIDs in store.workAnnouncements().cancelOnGracefulShutdown() {
            hub.wake(hostIDs: hostIDs)
        }
    }
}
