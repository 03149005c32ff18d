import Synchronization

/// A TimedCache per key, for a page whose costly value depends on what the visitor
/// picked (a query's costliest hosts: 100 ms at 100,000 hosts, a scan of every host's
/// schedule). Keys come from visitors, so at most `limit` are kept: past it, the map
/// starts again empty rather than grow.
final class TimedCacheMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let caches = Mutex<[Key: TimedCache<Value>]>([:])
    let seconds: Int64
    let limit: Int
    let cheapSeconds: Double
    let compute: @Sendable (Key) async throws -> Value

    init(seconds: Int64, limit: Int = 64, cheapSeconds: Double = 0.05, compute: @escaping @Sendable (Key) async throws -> Value) {
        self.seconds = seconds
        self.limit = limit
        self.cheapSeconds = cheapSeconds
        self.compute = compute
    }

    func value(_ key: Key, now: Int64) async throws -> Value {
        let cache = caches.withLock { caches in
            if let cache = caches[key] { return cache }
            if caches.count >= limit { caches.removeAll() }
            let compute = compute
            let cache = TimedCache<Value>(seconds: seconds, cheapSeconds: cheapSeconds) { try await compute(key) }
            caches[key] = cache
            return cache
        }
        return try await cache.value(now: now)
    }

    var count: Int { caches.withLock { $0.count } }
}
