import Foundation
import Synchronization

/// Hosts by node-key hash, as last read, for `host(nodeKeyHash:)`: every agent request
/// starts with that lookup, and on SQLite each is a hop to a reader's thread and back
/// (on PostgreSQL a round trip). A key stops working everywhere at once: the store drops
/// the host's entry when it forgets or re-enrolls the host, and tells the other servers
/// on the same database (`channel`). An entry lives `lifetime` seconds at most, which
/// also bounds how stale the host's other fields can be (its details change them).
final class HostKeyCache: Sendable {
    static let channel = "vigil_host_keys"

    private struct Entry {
        let host: HostRecord
        let expires: Int64
    }

    private struct State {
        var byKey: [String: Entry] = [:]
        var keyByHost: [Int64: String] = [:]
    }

    private let state = Mutex(State())
    let lifetime: Int64
    let capacity: Int

    init(lifetime: Int64 = 30, capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func host(_ keyHash: String, now: Int64) -> HostRecord? {
        state.withLock { s in
            guard let entry = s.byKey[keyHash] else { return nil }
            guard entry.expires > now else {
                s.byKey[keyHash] = nil
                s.keyByHost[entry.host.id] = nil
                return nil
            }
            return entry.host
        }
    }

    func insert(_ host: HostRecord, keyHash: String, now: Int64) {
        state.withLock { s in
            // Past the bound, start over: a fleet larger than it only reads more often.
            if s.byKey.count >= capacity { s = State() }
            if let old = s.keyByHost[host.id], old != keyHash { s.byKey[old] = nil }
            s.byKey[keyHash] = Entry(host: host, expires: now + lifetime)
            s.keyByHost[host.id] = keyHash
        }
    }

    func forget(hostIDs: [Int64]) {
        state.withLock { s in
            for id in hostIDs {
                if let key = s.keyByHost.removeValue(forKey: id) { s.byKey[key] = nil }
            }
        }
    }
}
