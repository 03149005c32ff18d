import Dispatch
import Synchronization
import VigilServerStore

/// The held-open reads of the agents connected to this server, by host id. A new live
/// query wakes the reads of its targets at once; a read that nothing wakes ends at its
/// timeout. Only waiting connections live here: the queries themselves are in the store,
/// so a second server on the same database serves them to its own agents.
///
/// A held read is one continuation, and its timeout a limit in a `DeadlineSweep` of
/// quarter-second ticks: every Vigil agent holds a read all the time, and a live query
/// wakes thousands at once. (A task group with an `AsyncStream` and a `Task.sleep` per
/// read cost two child tasks, a stream and a timer each, all set up and torn down
/// around every wake.)
final class LiveQueryHub: Sendable {
    private struct Waiter {
        let hostID: Int64
        let timeout: DeadlineTimer
        /// Set while the read waits; nil before it does, and once it has been resumed.
        var continuation: CheckedContinuation<Void, Never>?
        /// Woken before it began to wait: it ends as soon as it would.
        var woken = false
    }

    private struct State {
        var waiters: [Int: Waiter] = [:]
        var byHost: [Int64: Set<Int>] = [:]
        /// Set when the server stops: held reads end and new ones are not held.
        var closed = false
    }

    private let state = Mutex(State())
    private let nextToken = Atomic<Int>(0)
    /// The timeouts: a held read ends at most a quarter second late.
    let timeouts: DeadlineSweep

    init(timeouts: DeadlineSweep = DeadlineSweep(period: 0.25)) { self.timeouts = timeouts }

    /// How many reads are held open now.
    var heldReads: Int { state.withLock { $0.waiters.count } }

    /// Wait until `wake(hostIDs:)` names this host, `seconds` pass or the task is
    /// cancelled. The wait is registered before `ready` runs, so a query stored just
    /// before cannot be missed: when `ready` says there is work already, the wait ends
    /// at once.
    func wait(hostID: Int64, seconds: Int, ready: () async -> Bool) async {
        let token = nextToken.add(1, ordering: .relaxed).newValue
        // (A timeout firing before the read is registered finds no read: it is seconds away.)
        let timeout = timeouts.add(at: .now() + .seconds(max(0, seconds))) { [weak self] in self?.resume([token]) }
        state.withLock { s in
            s.waiters[token] = Waiter(hostID: hostID, timeout: timeout)
            s.byHost[hostID, default: []].insert(token)
        }
        defer { remove(token) }
        if state.withLock({ $0.closed }) { return }
        if await ready() || seconds <= 0 { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    guard s.waiters[token] != nil, !s.waiters[token]!.woken, !s.closed, !Task.isCancelled else { return true }
                    s.waiters[token]!.continuation = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            resume([token])
        }
    }

    private func remove(_ token: Int) {
        let timeout = state.withLock { s -> DeadlineTimer? in
            guard let w = s.waiters.removeValue(forKey: token) else { return nil }
            s.byHost[w.hostID]?.remove(token)
            if s.byHost[w.hostID]?.isEmpty == true { s.byHost[w.hostID] = nil }
            return w.timeout
        }
        timeout?.cancel()
    }

    /// Resume these reads (each exactly once: the continuation is taken under the lock);
    /// one not waiting yet is marked to end when it would.
    private func resume(_ tokens: some Sequence<Int>) {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            var out: [CheckedContinuation<Void, Never>] = []
            for token in tokens where s.waiters[token] != nil {
                if let c = s.waiters[token]!.continuation {
                    out.append(c)
                    s.waiters[token]!.continuation = nil
                }
                s.waiters[token]!.woken = true
            }
            return out
        }
        for c in woken { c.resume() }
    }

    /// End every held read, and hold no more (the server is stopping: each answers at once).
    func close() {
        let all = state.withLock { s -> [Int] in
            s.closed = true
            return Array(s.waiters.keys)
        }
        resume(all)
    }

    /// Wake the held reads of these hosts.
    func wake(hostIDs: [Int64]) {
        let tokens = state.withLock { s in hostIDs.flatMap { s.byHost[$0] ?? [] } }
        resume(tokens)
    }
}
