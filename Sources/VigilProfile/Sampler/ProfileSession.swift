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
    public var samples = 0
    /// Samples whose user stack came from call frame information rather than frame pointers.
    public var dwarfUnwound = 0
    /// Samples whose user stack was truncated or could not be unwound to its end.
    public var incompleteUserStacks = 0
    public var droppedInKernel: UInt64 = 0
    public var undecodable = 0
    public var commandStatus: Int32?
    public var seconds: Double = 0
}

/// One capture: sample, build the de-duplicated profile, stop on a signal, the
/// duration or the command's exit, then symbolize.
public final class ProfileSession {
    let options: ProfileOptions

    public init(options: ProfileOptions) { self.options = options }

    public func run() throws -> (SymbolizedProfile, ProfileStatistics) {
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
        let builder = ProfileBuilder(frequency: Int(options.sampler.frequency))
        let unwinder = DwarfUnwinder()
        var statistics = ProfileStatistics()
        var lastComm: [Int32: String] = [:]
        let ring = try RingBuffer(map: sampler.samplesMap) { record in
            guard let sample = SampleDecoder.decode(record) else {
                statistics.undecodable += 1
                return
            }
            // A new comm means the process exec'd: its mappings must be read again.
            if let previous = lastComm[sample.raw.pid], previous != sample.raw.comm {
                builder.forget(pid: sample.raw.pid)
                unwinder.forget(pid: sample.raw.pid)
            }
            lastComm[sample.raw.pid] = sample.raw.comm
            builder.add(Self.unwound(sample, with: unwinder, statistics: &statistics))
            statistics.samples += 1
        }

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
                FileDescriptorText.write(Self.progressLine(start: start, now: now, deadline: deadline, samples: statistics.samples), to: 2)
            }
            if let deadline, now >= deadline { break }
            if let child, let status = child.exitStatusIfEnded() {
                statistics.commandStatus = status
                break
            }
        }
        sampler.detach()
        while ring.drain() > 0 {}
        if options.progress { FileDescriptorText.write("\r\u{1b}[K", to: 2) }
        if let child, statistics.commandStatus == nil {
            kill(child.pid, SIGTERM)
            usleep(100_000)
            statistics.commandStatus = child.exitStatusIfEnded()
        }
        statistics.droppedInKernel = sampler.dropped()
        statistics.seconds = Double(Clock.monotonicNanoseconds() - start) / 1e9
        let profile = builder.finish()
        return (Symbolizer().symbolize(profile), statistics)
    }

    /// The sample with its user stack unwound from the binaries' call frame
    /// information and the copied stack. The kernel's frame-pointer walk is kept only
    /// when there is no copy to unwind: in code built without frame pointers (most of
    /// Debian's glibc, swiftc -O) it follows whatever rbp holds and yields frames that
    /// never ran, which a profile must not show.
    static func unwound(_ sample: KernelSample, with unwinder: DwarfUnwinder, statistics: inout ProfileStatistics) -> RawSample {
        var raw = sample.raw
        guard sample.raw.pid > 0, !sample.stack.isEmpty, sample.ip != 0 else { return raw }
        let (frames, status) = unwinder.unwind(pid: raw.pid, ip: sample.ip, sp: sample.sp, bp: sample.bp, stack: sample.stack)
        raw.userStack = frames
        raw.userUnwind = status
        statistics.dwarfUnwound += 1
        if status != .complete { statistics.incompleteUserStacks += 1 }
        return raw
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
