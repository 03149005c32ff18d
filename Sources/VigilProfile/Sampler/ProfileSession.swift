import Glibc
import VigilBPF
import VigilSystem

/// What `vigil profile` was asked to do.
public struct ProfileOptions: Sendable {
    public var sampler = SamplerOptions()
    /// Stop after this many seconds (nil: until Ctrl-C or the command exits).
    public var duration: Double?
    /// Start this command, profile it and its children until it exits.
    public var command: [String]?
    /// Show a progress line on standard error.
    public var progress = false
    public init() {}
}

/// What a capture saw, for the summary.
public struct ProfileStatistics: Sendable {
    /// CPU samples.
    public var samples = 0
    /// Off-CPU waits recorded (with --off-cpu).
    public var offCPUWaits = 0
    /// Off-CPU waits left out because the record of their end never came (how long
    /// they lasted is unknown), and ends that matched no wait.
    public var offCPUEndsLost = 0
    public var offCPUEndsUnmatched = 0
    /// Samples whose user stack came from call frame information rather than frame pointers.
    public var dwarfUnwound = 0
    /// Samples whose user stack was truncated or could not be unwound to its end.
    public var incompleteUserStacks = 0
    /// Samples of processes that exited before their mappings were read, named from
    /// the mappings the kernel sent as they exited.
    public var namedAfterExit = 0
    public var droppedInKernel: UInt64 = 0
    public var undecodable = 0
    public var commandStatus: Int32?
    public var seconds: Double = 0
    /// What the user should know about the result (kernel frames left unnamed, and why).
    public var warnings: [String] = []
}

/// One capture: sample, build the de-duplicated profile, stop on a signal, the
/// duration or the command's exit, then symbolize.
public final class ProfileSession {
    let options: ProfileOptions

    public init(options: ProfileOptions) { self.options = options }

    public func run() throws -> (SymbolizedProfile, ProfileStatistics) {
        MallocPolicy.returnLargeBlocks()
        var options = self.options
        let child = try options.command.map { command throws(SystemError) in try ChildProcess.spawnStopped(command) }
        if let child {
            options.sampler.pids = (options.sampler.pids ?? []) + [child.pid]
            options.sampler.followChildren = true
        }
        let sampler: CPUSampler
        do { sampler = try CPUSampler(options: options.sampler) } catch {
            if let child { kill(child.pid, SIGKILL); _ = child.exitStatusIfEnded() }
            throw error
        }
        let consumer = SampleConsumer(builder: ProfileBuilder(frequency: Int(options.sampler.frequency)))
        let ring = try RingBuffer(map: sampler.samplesMap) { consumer.consume($0) }

        StopSignals.install()
        defer { StopSignals.remove() }
        let start = Clock.monotonicNanoseconds()
        let deadline = options.duration.map { start + Int64($0 * 1e9) }
        child?.resume()
        var lastProgress: Int64 = 0
        while !StopSignals.requested {
            try ring.poll(timeoutMilliseconds: 100)
            let now = Clock.monotonicNanoseconds()
            if options.progress && now - lastProgress >= 250_000_000 {
                lastProgress = now
                FileDescriptorText.write(Self.progressLine(start: start, now: now, deadline: deadline, samples: consumer.statistics.samples), to: 2)
            }
            if let deadline, now >= deadline { break }
            if let child, let status = child.exitStatusIfEnded() {
                consumer.statistics.commandStatus = status
                break
            }
        }
        sampler.detach()
        while ring.drain() > 0 {}
        consumer.releaseDeferred()
        consumer.closeWaits()
        var statistics = consumer.statistics
        if options.progress { FileDescriptorText.write("\r\u{1b}[K", to: 2) }
        if let child, statistics.commandStatus == nil {
            kill(child.pid, SIGTERM)
            usleep(100_000)
            statistics.commandStatus = child.exitStatusIfEnded()
        }
        statistics.droppedInKernel = sampler.dropped()
        statistics.seconds = Double(Clock.monotonicNanoseconds() - start) / 1e9
        let symbolizer = Symbolizer()
        let symbolized = symbolizer.symbolize(consumer.builder.finish())
        statistics.warnings = symbolizer.warnings
        return (symbolized, statistics)
    }

    /// "\r[=====>      ] 12 s left, 1234 samples" (elapsed time when there is no deadline).
    static func progressLine(start: Int64, now: Int64, deadline: Int64?, samples: Int) -> String {
        let elapsed = Double(now - start) / 1e9
        guard let deadline else { return "\rprofiling: \(Int(elapsed)) s, \(samples) samples (Ctrl-C to stop)\u{1b}[K" }
        let total = Double(deadline - start) / 1e9
        let width = 30
        let done = min(width, Int(Double(width) * elapsed / max(total, 0.001)))
        let bar = String(repeating: "=", count: done) + (done < width ? ">" : "") + String(repeating: " ", count: max(0, width - done - 1))
        let left = max(0, Int((total - elapsed).rounded(.up)))
        return "\r[\(bar)] \(left) s left, \(samples) samples\u{1b}[K"
    }
}
