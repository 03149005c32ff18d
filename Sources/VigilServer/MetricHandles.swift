import Synchronization

/// Metric handles by their label values, each made once.
///
/// The registry checks a metric's name and labels, builds its full name and takes one
/// lock shared by every metric whenever a handle is asked for. Asked on every request
/// (three or four metrics each), that was work and a point of contention between the
/// event loops; a handle found here costs one hash and a lock of its own.
final class MetricHandles<Key: Hashable & Sendable, Handle: Sendable>: Sendable {
    private let cache = Mutex<[Key: Handle]>([:])
    private let make: @Sendable (Key) -> Handle

    init(_ make: @escaping @Sendable (Key) -> Handle) { self.make = make }

    subscript(_ key: Key) -> Handle {
        cache.withLock { cache in
            if let found = cache[key] { return found }
            let made = make(key)
            cache[key] = made
            return made
        }
    }
}
