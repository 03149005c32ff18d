import NIOCore

/// A task executor that runs jobs on one NIO event loop.
///
/// The server binds each connection's requests to the loop that reads and writes its
/// bytes, and says so in `serving`: a store call made from such a request can then wait
/// for PostgreSQL on that loop too (postgres-nio never blocks a thread) instead of
/// crossing to a queue of its own and back.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let loop: any EventLoop

    public init(_ loop: any EventLoop) { self.loop = loop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// The executor of the connection this task serves, if it is bound to a loop.
    @TaskLocal public static var serving: EventLoopTaskExecutor?

    /// `serving`, if this code runs on its loop now (a request moved off its loop, such as
    /// a large upload, is not: its work may be long and must not hold the loop).
    public static var onServingLoop: EventLoopTaskExecutor? {
        guard let executor = serving, executor.loop.inEventLoop else { return nil }
        return executor
    }
}
