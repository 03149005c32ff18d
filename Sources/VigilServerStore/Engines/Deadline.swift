import Dispatch
import Synchronization
import VigilSystem

/// Work that answers within a time limit even if it ignores cancellation.
///
/// A task group cannot do this: it returns only when every child has ended, so a child
/// that does not stop when cancelled (postgres-nio's wait for a pooled connection, seen
/// with PostgreSQL refusing connections) held the caller past its limit for good, and
/// with it the request and the test run. Here the caller resumes at the limit; the
/// work is cancelled and left to end on its own, its result dropped.
enum Deadline {
    static func run<T: Sendable>(within limit: Duration, on executor: any TaskExecutor, sweep: DeadlineSweep = .shared,
                                 timedOut: @escaping @Sendable () -> any Error,
                                 _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.start(continuation)
                let work = Task(executorPreference: executor) {
                    do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
                }
                // Checked by one shared timer (DeadlineSweep), not Task.sleep, and not a
                // dispatch timer per call. Removed when the work ends first.
                let timer = sweep.add(at: .now() + Self.seconds(limit)) {
                    work.cancel()
                    race.finish(.failure(timedOut()))
                }
                race.attach(work: work, timer: timer)
            }
        } onCancel: {
            race.cancel()
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A limit kept by `DeadlineSweep`; cancelling it (from any thread) takes it out.
public struct DeadlineTimer: Sendable {
    let id: UInt64
    let sweep: DeadlineSweep
    public func cancel() { sweep.remove(id) }
}

/// Many limits, checked by one repeating dispatch timer: the store's calls, and the
/// server's held reads (thousands at once, each ending at its timeout unless a live
/// query wakes it first).
///
/// A dispatch timer per call (made, armed and cancelled for every PostgreSQL statement)
/// kept libdispatch's manager thread busy: 7% of the server's CPU on PostgreSQL, with the
/// wake-ups it caused. Here a limit is a dictionary entry filed under the tick it falls
/// in, and a timer on `DispatchPause.timers` (a queue of its own, not Swift's cooperative
/// pool, which blocking work can hold) takes out the ticks that have passed every
/// `period`: a limit fires at most that late, never early, and a look costs what fires,
/// not what is kept. The timer runs only while some limit is kept.
public final class DeadlineSweep: Sendable {
    static let shared = DeadlineSweep(period: 0.05)

    private struct State {
        var next: UInt64 = 0
        var due: [UInt64: @Sendable () -> Void] = [:]
        /// Ids by the tick their limit falls in; those taken out early are skipped.
        var ticks: [UInt64: [UInt64]] = [:]
        var timer: (any DispatchSourceTimer)?
    }
    private let state = Mutex(State())
    private let period: Double
    private let periodNanoseconds: UInt64

    public init(period: Double) {
        self.period = period
        periodNanoseconds = max(1, UInt64(period * 1e9))
    }

    public func add(at deadline: DispatchTime, _ fire: @escaping @Sendable () -> Void) -> DeadlineTimer {
        // The first tick at or after the deadline.
        let tick = (deadline.uptimeNanoseconds + periodNanoseconds - 1) / periodNanoseconds
        return state.withLock { s in
            let id = s.next
            s.next &+= 1
            s.due[id] = fire
            s.ticks[tick, default: []].append(id)
            if s.timer == nil {
                let timer = DispatchSource.makeTimerSource(queue: DispatchPause.timers)
                timer.schedule(deadline: .now() + period, repeating: period, leeway: .milliseconds(10))
                timer.setEventHandler { [weak self] in self?.sweep() }
                timer.resume()
                s.timer = timer
            }
            return DeadlineTimer(id: id, sweep: self)
        }
    }

    func remove(_ id: UInt64) {
        _ = state.withLock { $0.due.removeValue(forKey: id) }
    }

    /// How many limits are kept, and whether the timer runs (for tests).
    public var kept: (limits: Int, timer: Bool) { state.withLock { ($0.due.count, $0.timer != nil) } }

    private func sweep() {
        let now = DispatchTime.now().uptimeNanoseconds / periodNanoseconds
        let fired = state.withLock { s -> [@Sendable () -> Void] in
            var fired: [@Sendable () -> Void] = []
            for tick in s.ticks.keys.filter({ $0 <= now }) {
                for id in s.ticks.removeValue(forKey: tick) ?? [] {
                    if let fire = s.due.removeValue(forKey: id) { fired.append(fire) }
                }
            }
            if s.due.isEmpty {
                s.ticks.removeAll()  // only ids taken out early are left
                s.timer?.cancel()
                s.timer = nil
            }
            return fired
        }
        // Outside the lock: a handler finishes its race, which takes its limit out.
        for fire in fired { fire() }
    }
}

/// The first of the work's end, the limit and the caller's cancellation resumes the caller, once.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var work: Task<Void, Never>?
        var timer: DeadlineTimer?
        var cancelled = false
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func attach(work: Task<Void, Never>, timer: DeadlineTimer) {
        let (over, cancelled) = state.withLock { s -> (Bool, Bool) in
            if s.continuation == nil || s.cancelled { return (true, s.cancelled) }
            s.work = work
            s.timer = timer
            return (false, false)
        }
        guard over else { return }
        // Ended, or the caller cancelled, before the timer was kept.
        work.cancel()
        timer.cancel()
        if cancelled { finish(.failure(CancellationError())) }
    }

    func finish(_ result: Result<T, any Error>) {
        // Everything is let go here, the timer cancelled whether or not it fired (its
        // handler holds this race until then).
        let (continuation, timer) = state.withLock { s in
            defer { s = State(cancelled: s.cancelled) }
            return (s.continuation, s.timer)
        }
        timer?.cancel()
        continuation?.resume(with: result)
    }

    /// The caller was cancelled: its work is, and the caller resumes now, not when the work ends.
    func cancel() {
        let work = state.withLock { s in
            s.cancelled = true
            return s.work
        }
        work?.cancel()
        finish(.failure(CancellationError()))
    }
}
