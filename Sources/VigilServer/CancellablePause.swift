import Dispatch
import VigilSystem
import Synchronization

/// A pause on a dispatch timer (Task.sleep's timer fires on the cooperative pool, which
/// busy synchronous work can hold) that also ends when its task is cancelled, so that a
/// service pausing in it stops at once on shutdown.
enum CancellablePause {
    private final class Slot: Sendable {
        let continuation = Mutex<CheckedContinuation<Void, Never>?>(nil)
        /// Each continuation resumes once: whoever takes it out resumes it.
        func resume() { continuation.withLock { c in defer { c = nil }; return c }?.resume() }
    }

    static func seconds(_ seconds: Double) async {
        let slot = Slot()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                slot.continuation.withLock { $0 = c }
                if Task.isCancelled { slot.resume(); return }
                DispatchPause.timers.asyncAfter(deadline: .now() + seconds) { slot.resume() }
            }
        } onCancel: {
            slot.resume()
        }
    }
}
