import Dispatch

/// A task executor on a serial dispatch queue of its own. Tasks that prefer it
/// (`withTaskExecutorPreference`) never wait for a thread of Swift's cooperative pool,
/// which has one thread per core and stalls while synchronous work (a long scheduled
/// query, a blocking test) holds those threads. For work that mostly waits on the
/// network and must answer promptly however busy the process is.
public final class SerialTaskExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: the queue is thread-safe and immutable.
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
