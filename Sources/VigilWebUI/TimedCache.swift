import Synchronization

/// A value computed at most once per `seconds`, for the pages' fleet-wide sums, which read
/// every host's rows (about 0.3 to 0.9 s at 100,000 hosts) and change slowly. Once it
/// holds a value no request waits for it again: an expired value is served while one
/// refresh runs in the background (stale while revalidating), unless it is over ten
/// periods old (the refreshes keep failing), and the server warms it at start. A period of
/// 0 keeps nothing: every request computes (tests that change the fleet and look at once).
final class TimedCache<Value: Sendable>: Sendable {
    private struct State {
        var entry: (value: Value, at: Int64)?
        var refreshing = false
    }

    private let state = Mutex<State>(State())
    let seconds: Int64
    let compute: @Sendable () async throws -> Value

    init(seconds: Int64, compute: @escaping @Sendable () async throws -> Value) {
        self.seconds = seconds
        self.compute = compute
    }

    private enum Plan { case fresh(Value), stale(Value), compute }

    func value(now: Int64) async throws -> Value {
        let plan: Plan = state.withLock { s in
            guard seconds > 0, let entry = s.entry, now >= entry.at, now - entry.at < 10 * seconds else { return .compute }
            if now - entry.at < seconds || s.refreshing { return .fresh(entry.value) }
            s.refreshing = true
            return .stale(entry.value)
        }
        switch plan {
        case .fresh(let value): return value
        case .stale(let value):
            Task { await refresh(now: now) }
            return value
        case .compute:
            let value = try await compute()
            state.withLock { $0.entry = (value, now) }
            return value
        }
    }

    /// Compute now and keep the result (a failure keeps the old value; the next request retries).
    func refresh(now: Int64) async {
        let value = try? await compute()
        state.withLock { s in
            if let value { s.entry = (value, now) }
            s.refreshing = false
        }
    }
}
