import Dispatch

/// A pause timed by a dispatch timer, not Swift's `Task.sleep`: the latter's timer fires
/// on the cooperative pool, so it stalls while synchronous work holds those threads (a
/// test process full of tests waiting on children, a long scheduled query). For loops
/// that run on an executor of their own and must keep time whatever the pool does.
public enum DispatchPause {
    public static func seconds(_ seconds: Double) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { continuation.resume() }
        }
    }
}
