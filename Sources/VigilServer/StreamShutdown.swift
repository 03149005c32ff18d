import Dispatch
import VigilSystem
import Synchronization

/// Ends the server's event streams when it stops. A stream (a page following host status,
/// a profile, a live query) is an answer that lasts minutes, and a graceful shutdown waits
/// for every answer: without this, a browser left open on the dashboard would hold a
/// stopping server for the stream's whole ten minutes.
final class StreamShutdown: Sendable {
    private let closed = Atomic<Bool>(false)
    private let sleepers = Mutex<[Int: CheckedContinuation<Void, Never>]>([:])
    private let nextToken = Atomic<Int>(0)

    var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// Wait `seconds` (a dispatch timer: a busy cooperative pool cannot hold it back), or
    /// less if the server begins to stop.
    func pause(seconds: Double) async {
        let token = nextToken.add(1, ordering: .relaxed).newValue
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = closed.load(ordering: .relaxed)
            if !now { sleepers.withLock { $0[token] = continuation } }
            // Closed meanwhile (before or just after registering): resume here, once.
            if now || closed.load(ordering: .relaxed) {
                if now { continuation.resume() } else { sleepers.withLock { $0.removeValue(forKey: token) }?.resume() }
                return
            }
            DispatchPause.timers.asyncAfter(deadline: .now() + seconds) { [self] in
                sleepers.withLock { $0.removeValue(forKey: token) }?.resume()
            }
        }
    }

    /// The server is stopping: every pause ends now, and streams end at their next turn.
    func close() {
        closed.store(true, ordering: .relaxed)
        let all = sleepers.withLock { s -> [CheckedContinuation<Void, Never>] in
            defer { s.removeAll() }
            return Array(s.values)
        }
        for continuation in all { continuation.resume() }
    }
}
