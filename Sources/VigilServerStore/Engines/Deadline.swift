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
struct DeadlineTimer: Sendable {
    let id: UInt64
    let sweep: DeadlineSweep
    func cancel() { sweep.remove(id) }
}

/// Every call's limit, checked by one repeating dispatch timer.
///
/// A dispatch timer per call (made, armed and cancelled for every PostgreSQL statement)
/// kept libdispatch's manager thread busy: 7% of the server's CPU on PostgreSQL, with the
/// wake-ups it caused. Here a call's limit is a dictionary entry, and a timer on
/// `DispatchPause.timers` (a queue of its own, not Swift's cooperative pool, which
/// blocking work can hold) looks at them every `period`, so a limit fires at most that
/// late. The timer runs only while some limit is kept.
final class DeadlineSweep: Sendable {
    static let shared = DeadlineSweep(period: 0.05)

    private struct State {
        var next: UInt64 = 0
        var due: [UInt64: (at: DispatchTime, fire: @Sendable () -> Void)] = [:]
        var timer: (any DispatchSourceTimer)?
    }
    private let state = Mutex(State())
    private let period: Double

    init(period: Double) { self.period = period }

    func add(at deadline: DispatchTime, _ fire: @escaping @Sendable () -> Void) -> DeadlineTimer {
        state.withLock { s in
            let id = s.next
            s.next &+= 1
            s.due[id] = (deadline, fire)
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
    var kept: (limits: Int, timer: Bool) { state.withLock { ($0.due.count, $0.timer != nil) } }

    private func sweep() {
        let now = DispatchTime.now()
        let fired = state.withLock { s -> [@Sendable () -> Void] in
            let over = s.due.filter { $0.value.at <= now }
            for id in over.keys { s.due[id] = nil }
            if s.due.isEmpty {
                s.timer?.cancel()
                s.timer = nil
            }
            return over.map(\.value.fire)
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
