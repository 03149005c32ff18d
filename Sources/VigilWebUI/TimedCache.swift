import Synchronization

/// A value computed at most once per `seconds`, for the pages' fleet-wide sums, which read
/// every host's rows (about 0.3 to 0.9 s at 100,000 hosts) and change slowly. Once it
/// holds a value no request waits for it again: an expired value is served while one
/// refresh runs in the background (stale while revalidating), unless it is over ten
/// periods old (the refreshes keep failing), and the server warms it at start. A period of
/// 0 keeps nothing: every request computes (tests that change the fleet and look at once);
/// so does a value that costs under `cheapSeconds` to compute (a small fleet's).
final class TimedCache<Value: Sendable>: Sendable {
    private struct State {
        var entry: (value: Value, at: Int64)?
        var refreshing = false
        /// How long the last computation took: a value cheaper than `cheapSeconds` is
        /// never kept (a small fleet's page is always current, the one just after start
        /// included), so keeping only ever trades freshness for time where it saves some.
        var cost: Double = .infinity
    }

    private let state = Mutex<State>(State())
    let seconds: Int64
    let cheapSeconds: Double
    let compute: @Sendable () async throws -> Value

    init(seconds: Int64, cheapSeconds: Double = 0.05, compute: @escaping @Sendable () async throws -> Value) {
        self.seconds = seconds
        self.cheapSeconds = cheapSeconds
        self.compute = compute
    }

    private func timed() async throws -> (Value, Double) {
        let clock = ContinuousClock(), start = clock.now
        let value = try await compute()
        let d = clock.now - start
        return (value, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    private enum Plan { case fresh(Value), stale(Value), compute }

    func value(now: Int64) async throws -> Value {
        let plan: Plan = state.withLock { s in
            guard seconds > 0, s.cost >= cheapSeconds, let entry = s.entry, now >= entry.at, now - entry.at < 10 * seconds else { return .compute }
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
            let (value, cost) = try await timed()
            state.withLock {
                $0.entry = (value, now)
                $0.cost = cost
            }
            return value
        }
    }

    /// Compute now and keep the result (a failure keeps the old value; the next request retries).
    func refresh(now: Int64) async {
        let result = try? await timed()
        state.withLock { s in
            if let (value, cost) = result {
                s.entry = (value, now)
                s.cost = cost
            }
            s.refreshing = false
        }
    }
}
