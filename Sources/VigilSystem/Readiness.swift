import Dispatch
import Synchronization

/// Await a descriptor's readiness from async code without a thread blocked on it:
/// a dispatch read source (epoll underneath) resumes the waiting task. For the few
/// descriptors an async service must sleep on that no event loop of its own watches
/// (a child's pidfd, the signal wake-up eventfd).
public enum Readiness {
    private static let queue = DispatchQueue(label: "vigil.readiness")

    /// True once `fd` is readable; false when `timeout` seconds pass first (nil: no
    /// limit) or the task is cancelled. The descriptor must stay open until this returns.
    public static func readable(_ fd: Int32, timeout: Double? = nil) async -> Bool {
        let outcome = Outcome()
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let ready = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                guard outcome.wait(continuation) else { return }
                source.setEventHandler { outcome.resolve(true) }
                source.activate()
                if let timeout { queue.asyncAfter(deadline: .now() + max(0, timeout)) { outcome.resolve(false) } }
            }
        } onCancel: {
            outcome.resolve(false)
        }
        // The source must be cancelled, and its cancellation seen through, before the
        // caller may close the descriptor (dispatch's rule for read sources).
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            source.setCancelHandler { done.resume() }
            if !ready && !outcome.activated { source.activate() }
            source.cancel()
        }
        return ready
    }

    /// One answer, from whichever of the source, the timer and cancellation comes first.
    private final class Outcome: Sendable {
        private enum State {
            case idle
            case waiting(CheckedContinuation<Bool, Never>)
            case resolved(Bool)
        }
        private let state = Mutex<(state: State, activated: Bool)>((.idle, false))

        var activated: Bool { state.withLock { $0.activated } }

        /// Park `continuation`; false when the answer came first (it is resumed here).
        func wait(_ continuation: CheckedContinuation<Bool, Never>) -> Bool {
            let early: Bool? = state.withLock { s in
                if case .resolved(let value) = s.state { return value }
                s.state = .waiting(continuation)
                s.activated = true
                return nil
            }
            if let early { continuation.resume(returning: early) }
            return early == nil
        }

        func resolve(_ value: Bool) {
            let continuation: CheckedContinuation<Bool, Never>? = state.withLock { s in
                switch s.state {
                case .resolved: return nil
                case .idle:
                    s.state = .resolved(value)
                    return nil
                case .waiting(let c):
                    s.state = .resolved(value)
                    return c
                }
            }
            continuation?.resume(returning: value)
        }
    }
}
