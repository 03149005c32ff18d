import NIOCore
import Synchronization

/// What waits to be exported, for one signal: bounded, the oldest dropped when full. The
/// request handlers only append under a lock (never waiting on the collector); the
/// exporter takes batches from the front.
final class OTLPQueue<Element: Sendable>: Sendable {
    private struct State {
        var items = CircularBuffer<Element>()
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    /// Appends, dropping from the front what does not fit; returns how many were dropped.
    @discardableResult
    func append(_ new: some Collection<Element>) -> Int {
        state.withLock { s in
            var dropped = 0
            for e in new {
                if s.items.count == limit {
                    s.items.removeFirst()
                    dropped += 1
                }
                s.items.append(e)
            }
            return dropped
        }
    }

    /// Up to `max` items from the front, removed.
    func take(_ max: Int) -> [Element] {
        state.withLock { s in
            let n = Swift.min(max, s.items.count)
            var out: [Element] = []
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(s.items.removeFirst()) }
            return out
        }
    }
}
