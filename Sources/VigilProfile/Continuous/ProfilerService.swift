import ServiceLifecycle
import VigilSystem

/// The continuous profiler as a service of the agent's service group: it steps
/// the profiler every 50 ms (draining the ring buffer without blocking an
/// executor thread) and stops cleanly on graceful shutdown, queueing the last
/// partial interval.
public final class ProfilerService: Service, @unchecked Sendable {
    // @unchecked: `profiler` is touched only by `run`, one task at a time.
    public let profiler: ContinuousProfiler
    /// Profiles for the consumer (reporter, writer); safe from any thread.
    public var queue: BoundedQueue<IntervalProfile> { profiler.queue }

    public init(options: ContinuousOptions) {
        profiler = ContinuousProfiler(options: options)
    }

    public func run() async throws {
        defer { profiler.stop() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try profiler.step()
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
