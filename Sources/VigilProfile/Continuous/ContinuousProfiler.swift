import Glibc
import VigilBPF
import VigilSystem

/// What the continuous profiler does.
public struct ContinuousOptions: Sendable {
    public var sampler = SamplerOptions()
    /// One profile per interval (60 s by default).
    public var intervalNanoseconds: Int64 = 60_000_000_000
    /// Profiles kept for the consumer; beyond this the oldest is overwritten.
    public var queueCapacity = 16
    /// otel's -probabilistic-threshold (1–99; 100 means always on).
    public var probabilisticThreshold = 100
    /// otel's -probabilistic-interval (1 minute by default).
    public var probabilisticIntervalNanoseconds: Int64 = 60_000_000_000
    public init() {}
}

/// One interval's profile, symbolized, with what the capture saw.
public struct IntervalProfile: Sendable {
    public let profile: SymbolizedProfile
    public let statistics: ProfileStatistics
    /// Interval bounds (CLOCK_REALTIME nanoseconds).
    public let startNanoseconds: Int64
    public let endNanoseconds: Int64

    /// profile-20261121T211203.042Z.pb.gz: file names sort by time. Milliseconds, since
    /// short intervals can start twice in one second (one file would replace the other).
    public func fileName(format: ProfileFormat) -> String {
        var t = time_t(startNanoseconds / 1_000_000_000)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = Int32(startNanoseconds / 1_000_000 % 1000)
        let stamp = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec)).\(ms < 100 ? "0" : "")\(two(ms))Z"
        let ext: String
        switch format {
        case .pprof: ext = "pb.gz"
        case .folded: ext = "folded"
        case .svg: ext = "svg"
        case .callgrind: return "callgrind.out.\(stamp)"  // the name kcachegrind looks for
        }
        return "profile-\(stamp).\(ext)"
    }
}

/// Profiles without end: one profile per interval into a bounded queue that a
/// consumer (a writer, the agent's reporter) empties at its own pace. The sampler
/// is attached only while the probabilistic gate is on. Not thread-safe except for
/// `queue`: one driver calls `step` (the CLI loop, or `ProfilerService`).
public final class ContinuousProfiler {
    public let options: ContinuousOptions
    public let queue: BoundedQueue<IntervalProfile>
    private var gate: ProbabilisticGate
    private var sampler: CPUSampler?
    private var ring: RingBuffer?
    private let consumer: SampleConsumer
    private let symbolizer = Symbolizer()
    private var intervalEnd: Int64
    private var intervalStart = Clock.realtimeNanoseconds()
    private var sampledThisInterval = false
    private var droppedBefore: UInt64 = 0
    /// Intervals the gate left off (no profile produced).
    public private(set) var skippedIntervals = 0

    public init(options: ContinuousOptions, gate: ProbabilisticGate? = nil) {
        MallocPolicy.returnLargeBlocks()
        self.options = options
        queue = BoundedQueue(capacity: options.queueCapacity)
        self.gate = gate ?? ProbabilisticGate(threshold: options.probabilisticThreshold,
                                              intervalNanoseconds: options.probabilisticIntervalNanoseconds)
        consumer = SampleConsumer(builder: ProfileBuilder(frequency: Int(options.sampler.frequency)))
        intervalEnd = Clock.monotonicNanoseconds() + options.intervalNanoseconds
    }

    /// Whether the sampler is attached now.
    public var isSampling: Bool { sampler != nil }

    /// Do what is due at `now` (monotonic): attach or detach the sampler as the
    /// gate says, drain samples, and finish the interval when it is over. Call it
    /// every few tens of milliseconds.
    public func step(now: Int64 = Clock.monotonicNanoseconds()) throws(BPFError) {
        if gate.isOn(at: now) {
            if sampler == nil { try attach() }
            sampledThisInterval = true
        } else if sampler != nil {
            detach()
        }
        if let ring { _ = try ring.poll(timeoutMilliseconds: 0) }
        if now >= intervalEnd {
            finishInterval()
            // Skip whole intervals missed while suspended rather than emit empty ones.
            intervalEnd += options.intervalNanoseconds * max(1, (now - intervalEnd) / options.intervalNanoseconds + 1)
        }
    }

    /// Stop sampling and queue what the current interval holds.
    public func stop() {
        detach()
        finishInterval()
    }

    private func attach() throws(BPFError) {
        let s = try CPUSampler(options: options.sampler)
        ring = try RingBuffer(map: s.samplesMap) { [consumer] in consumer.consume($0) }
        sampler = s
        droppedBefore = 0
    }

    private func detach() {
        guard let sampler else { return }
        sampler.detach()
        if let ring { while ring.drain() > 0 {} }
        let total = sampler.dropped()
        consumer.statistics.droppedInKernel += total - min(total, droppedBefore)
        droppedBefore = 0
        consumer.releaseDeferred()
        consumer.closeWaits()
        self.sampler = nil
        ring = nil
    }

    private func finishInterval() {
        let end = Clock.realtimeNanoseconds()
        if let ring { while ring.drain() > 0 {} }
        consumer.releaseDeferred()  // each interval's samples stay in its profile
        var statistics = consumer.statistics
        if let sampler {
            let total = sampler.dropped()
            statistics.droppedInKernel += total - min(total, droppedBefore)
            droppedBefore = total
        }
        let profile = consumer.builder.rotate()
        consumer.statistics = ProfileStatistics()
        statistics.seconds = Double(end - intervalStart) / 1e9
        if sampledThisInterval {
            symbolizer.refreshJITMaps()
            queue.push(IntervalProfile(profile: symbolizer.symbolize(profile), statistics: statistics,
                                       startNanoseconds: intervalStart, endNanoseconds: end))
        } else {
            skippedIntervals += 1
        }
        sampledThisInterval = sampler != nil
        intervalStart = end
    }
}
