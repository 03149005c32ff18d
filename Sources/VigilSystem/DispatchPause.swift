import Dispatch

/// A pause timed by a dispatch timer, not Swift's `Task.sleep`: the latter's timer fires
/// on the cooperative pool, so it stalls while synchronous work holds those threads (a
/// test process full of tests waiting on children, a long scheduled query). For loops
/// that run on an executor of their own and must keep time whatever the pool does.
public enum DispatchPause {
    /// Where the timers fire: a serial queue of its own, not a global queue. Global queues
    /// share a thread pool as wide as the machine's cores, which blocking work can fill
    /// (a CI run's synchronous tests did, for over a minute); a serial queue gets a thread
    /// of its own, and its handlers only resume a continuation.
    public static let timers = DispatchQueue(label: "vigil.timers")

    public static func seconds(_ seconds: Double) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            timers.asyncAfter(deadline: .now() + seconds) { continuation.resume() }
        }
    }
}
