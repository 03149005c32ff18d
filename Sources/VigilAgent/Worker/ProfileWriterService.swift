import Glibc
import Logging
import ServiceLifecycle
import VigilProfile
import VigilSystem

/// Continuous profiling in the agent: takes each interval's profile off the
/// profiler's bounded queue and writes it as pprof into DATA_DIR/profiles, keeping
/// the newest `keep` files. Off unless the config sets `profiling_interval`.
public final class ProfileWriterService: Service, @unchecked Sendable {
    // @unchecked: `run` alone uses the mutable state.
    let queue: BoundedQueue<IntervalProfile>
    let directory: String
    let keep: Int
    let logger: Logger
    /// Told the path of each profile written (the fleet service uploads it).
    let written: AsyncStream<String>.Continuation?

    public init(queue: BoundedQueue<IntervalProfile>, directory: String, keep: Int, logger: Logger, written: AsyncStream<String>.Continuation? = nil) {
        self.queue = queue
        self.directory = directory
        self.keep = max(1, keep)
        self.logger = logger
        self.written = written
    }

    /// The continuous profiler's options from the config: `profiling_interval`
    /// (seconds; unset means off), `profiling_frequency`, and otel's
    /// `probabilistic_threshold` / `probabilistic_interval`.
    public static func options(from config: AgentConfig) -> ContinuousOptions? {
        let raw = config.options.raw
        guard let interval = raw["profiling_interval"].flatMap(Double.init), interval >= 1 else { return nil }
        var o = ContinuousOptions()
        o.intervalNanoseconds = Int64(interval * 1e9)
        if let hz = raw["profiling_frequency"].flatMap(UInt64.init), hz > 0 { o.sampler.frequency = hz }
        if let t = raw["probabilistic_threshold"].flatMap(Int.init), (1...100).contains(t) { o.probabilisticThreshold = t }
        if let p = raw["probabilistic_interval"].flatMap(Double.init), p >= 1 { o.probabilisticIntervalNanoseconds = Int64(p * 1e9) }
        return o
    }

    public func run() async throws {
        mkdir(directory, 0o700)
        while let item = queue.pop() { write(item) }
        // Woken by the profiler's pushes, not by a timer.
        for await _ in queue.arrivals.cancelOnGracefulShutdown() {
            while let item = queue.pop() { write(item) }
        }
        // The profiler, listed after the writer, has stopped by now (the group stops
        // services in reverse order) and queued its last partial interval.
        while let item = queue.pop() { write(item) }
    }

    private func write(_ item: IntervalProfile) {
        let path = directory + "/" + item.fileName(format: .pprof)
        do {
            try ProfileFormat.pprof.write(item.profile, to: path)
        } catch {
            logger.warning("cannot write \(path): \(error)")
            return
        }
        written?.yield(path)
        let files = ((try? FileSystem.list(directory)) ?? []).filter { $0.hasPrefix("profile-") }.sorted()
        for old in files.dropLast(keep) { unlink(directory + "/" + old) }
    }
}
