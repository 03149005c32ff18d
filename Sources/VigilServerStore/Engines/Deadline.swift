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
    static func run<T: Sendable>(within limit: Duration, on executor: any TaskExecutor, timedOut: @escaping @Sendable () -> any Error,
                                 _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.start(continuation)
                let work = Task(executorPreference: executor) {
                    do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
                }
                // A dispatch timer, not Task.sleep: a sleeping task wakes through Swift's
                // cooperative pool, which blocking work elsewhere can hold (a loaded test
                // run saw 2-second limits end after 6). Cancelled when the work ends first.
                let timer = DispatchSource.makeTimerSource(queue: DispatchPause.timers)
                timer.schedule(deadline: .now() + Self.seconds(limit))
                timer.setEventHandler {
                    work.cancel()
                    race.finish(.failure(timedOut()))
                }
                race.attach(work: work, timer: DeadlineTimer(source: timer))
                timer.resume()
            }
        } onCancel: {
            race.cancel()
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A dispatch timer, whose cancel is safe from any thread.
struct DeadlineTimer: @unchecked Sendable {
    let source: any DispatchSourceTimer
    func cancel() { source.cancel() }
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
