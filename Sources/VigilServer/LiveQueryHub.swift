import Dispatch
import Synchronization
import VigilSystem

/// The held-open reads of the agents connected to this server, by host id. A new live
/// query wakes the reads of its targets at once; a read that nothing wakes ends at its
/// timeout. Only waiting connections live here: the queries themselves are in the store,
/// so a second server on the same database serves them to its own agents.
///
/// A held read is one continuation, and timeouts are kept in quarter-second buckets
/// that one timer empties: every Vigil agent holds a read all the time, and a live query
/// wakes thousands at once. (A task group with an `AsyncStream` and a `Task.sleep` per
/// read cost two child tasks, a stream and a timer each, all set up and torn down
/// around every wake.)
final class LiveQueryHub: Sendable {
    private struct Waiter {
        let hostID: Int64
        let bucket: Int64
        /// Set while the read waits; nil before it does, and once it has been resumed.
        var continuation: CheckedContinuation<Void, Never>?
        /// Woken before it began to wait: it ends as soon as it would.
        var woken = false
    }

    private struct State {
        var waiters: [Int: Waiter] = [:]
        var byHost: [Int64: Set<Int>] = [:]
        /// Tokens by the quarter second their timeout falls in.
        var buckets: [Int64: [Int]] = [:]
        /// Runs while reads are held; made again when the next one comes.
        var timer: (any DispatchSourceTimer)?
        /// Set when the server stops: held reads end and new ones are not held.
        var closed = false
    }

    private let state = Mutex(State())
    private let nextToken = Atomic<Int>(0)
    /// How often timeouts are checked: a held read ends at most this late.
    static let tick: DispatchTimeInterval = .milliseconds(250)
    private static let ticksPerSecond: Int64 = 4

    deinit {
        state.withLock { $0.timer?.cancel() }
    }

    /// How many reads are held open now.
    var heldReads: Int { state.withLock { $0.waiters.count } }
    /// Whether the timeout timer runs (tests: it stops when nothing is held).
    var timerRunning: Bool { state.withLock { $0.timer != nil } }

    private static func quarter(_ time: DispatchTime) -> Int64 {
        Int64(time.uptimeNanoseconds / 250_000_000)
    }

    /// Wait until `wake(hostIDs:)` names this host, `seconds` pass or the task is
    /// cancelled. The wait is registered before `ready` runs, so a query stored just
    /// before cannot be missed: when `ready` says there is work already, the wait ends
    /// at once.
    func wait(hostID: Int64, seconds: Int, ready: () async -> Bool) async {
        let token = nextToken.add(1, ordering: .relaxed).newValue
        let bucket = Self.quarter(.now()) + Int64(max(0, seconds)) * Self.ticksPerSecond
        state.withLock { s in
            s.waiters[token] = Waiter(hostID: hostID, bucket: bucket)
            s.byHost[hostID, default: []].insert(token)
            s.buckets[bucket, default: []].append(token)
            if s.timer == nil {
                let timer = DispatchSource.makeTimerSource(queue: DispatchPause.timers)
                timer.setEventHandler { [weak self] in self?.expire() }
                timer.schedule(deadline: .now() + Self.tick, repeating: Self.tick)
                timer.resume()
                s.timer = timer
            }
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
        state.withLock { s in
            guard let w = s.waiters.removeValue(forKey: token) else { return }
            s.byHost[w.hostID]?.remove(token)
            if s.byHost[w.hostID]?.isEmpty == true { s.byHost[w.hostID] = nil }
            // Its bucket entry is dropped when the bucket expires (a token not found).
        }
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

    /// The timer: end the reads whose time is up; stop when none is held.
    private func expire() {
        let now = Self.quarter(.now())
        let due = state.withLock { s -> [Int] in
            var due: [Int] = []
            for key in s.buckets.keys.filter({ $0 <= now }) { due += s.buckets.removeValue(forKey: key) ?? [] }
            if s.waiters.isEmpty && s.buckets.isEmpty {
                s.timer?.cancel()
                s.timer = nil
            }
            return due
        }
        resume(due)
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
