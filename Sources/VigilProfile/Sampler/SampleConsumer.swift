import Glibc
import VigilSystem

/// Turns the sampler's ring-buffer records into profile samples: unwinds user
/// stacks from the copied stack, pairs each off-CPU wait with the record that
/// ends it, and counts everything into a `ProfileBuilder`.
///
/// One consumer thread drives it (the ring buffer's callback); not thread-safe.
final class SampleConsumer {
    let builder: ProfileBuilder
    let unwinder: DwarfUnwinder
    var statistics = ProfileStatistics()
    /// Threads off the CPU now: their stacks (already unwound) and when they left.
    private var waiting: [Int32: (sample: RawSample, since: UInt64)] = [:]
    /// A thread that exits while waiting never sends an end; bound what that costs.
    static let maxWaiting = 65_536
    /// Samples of processes that exited before their mappings were read, each with
    /// its copy of the stack, until the mappings the kernel sends at the exit arrive.
    private var deferred: [Int32: [DeferredSample]] = [:]
    private var deferredBytes = 0
    static let maxDeferredBytes = 32 << 20
    /// Exit mappings arriving, by process, until their end record.
    private var exitMappings: [Int32: [ExecutableMapping]] = [:]
    /// Off-CPU samples among `deferred` whose end has not arrived yet, by thread (a
    /// thread waits once at a time): a wait ends before its process exits, so its end
    /// comes before the exit's mappings that release the sample.
    private var deferredWaits: [Int32: (pid: Int32, index: Int)] = [:]

    init(builder: ProfileBuilder) {
        self.builder = builder
        unwinder = DwarfUnwinder(images: builder.images)
    }

    func consume(_ bytes: UnsafeRawBufferPointer) {
        switch SampleDecoder.record(bytes) {
        case nil:
            statistics.undecodable += 1
        case .offCPUEnd(_, let tid, let nanoseconds, let since):
            // An end belongs to the wait that began at `since`, never to another of its
            // thread's: a wait whose end the kernel did not send must not take a later
            // wait's length (a 100 ms sleep counted as a 35 µs preemption).
            if let w = deferredWaits[tid], deferred[w.pid]?[w.index].timestamp == since {
                deferredWaits.removeValue(forKey: tid)
                deferred[w.pid]?[w.index].waited = nanoseconds
                return
            }
            guard let pending = waiting[tid], pending.since == since else {
                statistics.offCPUEndsUnmatched += 1
                return
            }
            waiting.removeValue(forKey: tid)
            var wait = pending.sample
            wait.value = nanoseconds
            builder.add(wait)
            statistics.offCPUWaits += 1
        case .sample(let sample):
            if sample.raw.kind == .offCPU { forgetUnendedWait(of: sample.raw.tid) }
            if waitsForExit(sample) {
                deferred[sample.raw.pid, default: []].append(DeferredSample(sample))
                deferredBytes += sample.stack.count + 256
                if sample.raw.kind == .offCPU {
                    deferredWaits[sample.raw.tid] = (sample.raw.pid, deferred[sample.raw.pid]!.count - 1)
                }
            } else {
                process(sample)
            }
        case .exitMapping(let pid, _, let mapping):
            // Kept whether or not samples wait yet: one taken while the exit program
            // runs comes between its records.
            exitMappings[pid, default: []].append(mapping)
        case .exitMappingsEnd(let pid, let image, let count, let complete):
            let mappings = exitMappings.removeValue(forKey: pid) ?? []
            // Only a process with samples waiting needs them.
            guard let waiting = deferred.removeValue(forKey: pid) else { return }
            // A partial set (records dropped, the mmap lock busy) would leave frames
            // unnamed as if they were no code: then the samples stay marked as gone.
            let whole = complete && count > 0 && mappings.count == count
            if whole { builder.images.insertExited(pid: pid, image: image, mappings: mappings) }
            replay(waiting)
            if whole { statistics.namedAfterExit += waiting.count }
        }
    }

    /// A thread leaves the CPU again while its last wait has no end: the kernel sent
    /// none (the thread ran in between). How long it waited is unknown; it is left out
    /// and counted.
    private func forgetUnendedWait(of tid: Int32) {
        var lost = waiting.removeValue(forKey: tid) != nil
        if let w = deferredWaits.removeValue(forKey: tid), deferred[w.pid]?[w.index].waited == nil { lost = true }
        if lost { statistics.offCPUEndsLost += 1 }
    }

    private func process(_ sample: KernelSample) {
        let raw = Self.unwound(sample, with: unwinder, statistics: &statistics)
        if raw.kind == .offCPU {
            if waiting.count >= Self.maxWaiting { waiting.removeAll(keepingCapacity: true) }
            waiting[raw.tid] = (raw, sample.timestampNanoseconds)
        } else {
            builder.add(raw)
            statistics.samples += 1
        }
    }

    /// Whether the sample's process is gone with no copy of its mappings that could
    /// name it: then it waits for the mappings the kernel sends as a process exits,
    /// which follow its last samples in the ring buffer.
    private func waitsForExit(_ sample: KernelSample) -> Bool {
        guard sample.raw.pid > 0, sample.ip != 0, !(sample.raw.inExecve && sample.stack.isEmpty),
              deferredBytes + sample.stack.count < Self.maxDeferredBytes else { return false }
        return builder.images.isGoneWithout(pid: sample.raw.pid, image: sample.raw.image, address: sample.ip,
                                            takenAt: Int64(clamping: sample.timestampNanoseconds))
    }

    private func replay(_ samples: [DeferredSample]) {
        for d in samples {
            deferredBytes -= d.stack.count + 256
            d.stack.withUnsafeBytes { stack in
                let sample = KernelSample(raw: d.raw, ip: d.ip, sp: d.sp, bp: d.bp, stack: stack, timestampNanoseconds: d.timestamp)
                guard d.raw.kind == .offCPU else { return process(sample) }
                // Its thread is gone: the wait ended with the end that arrived meanwhile.
                // Without one (its record dropped) how long it lasted is unknown; it is
                // left out rather than counted as lasting until the capture's end.
                if deferredWaits[d.raw.tid]?.pid == d.raw.pid { deferredWaits.removeValue(forKey: d.raw.tid) }
                guard let waited = d.waited else { return }
                var raw = Self.unwound(sample, with: unwinder, statistics: &statistics)
                raw.value = waited
                builder.add(raw)
                statistics.offCPUWaits += 1
            }
        }
    }

    /// Samples still waiting for an exit that sent nothing (its records dropped, or
    /// the capture ended first) are counted as they are: their process is gone.
    func releaseDeferred() {
        let all = deferred
        deferred.removeAll()
        exitMappings.removeAll()
        for (_, samples) in all { replay(samples) }
        deferredWaits.removeAll()
        deferredBytes = 0
    }

    /// Waits still going on when the capture ends count up to now: a thread asleep
    /// for the whole capture is exactly what an off-CPU profile must show.
    func closeWaits() {
        let now = UInt64(Clock.boottimeNanoseconds())
        for (tid, wait) in waiting {
            // A thread that has exited ran again before it did, so its wait ended and
            // the end's record was dropped (counted as such): how long it waited is
            // unknown, and it is left out.
            guard access("/proc/\(wait.sample.pid)/task/\(tid)", F_OK) == 0 else { continue }
            var sample = wait.sample
            sample.value = now > wait.since ? now - wait.since : 0
            builder.add(sample)
            statistics.offCPUWaits += 1
        }
        waiting.removeAll()
    }

    /// The sample with its user stack unwound from the binaries' call frame
    /// information and the copied stack. The kernel's frame-pointer walk is kept only
    /// when there is no copy to unwind, and only as far as each return address follows
    /// a call: in code built without frame pointers (most of Debian's glibc, swiftc -O)
    /// it follows whatever rbp holds and yields frames that never ran, which a profile
    /// must not show.
    static func unwound(_ sample: KernelSample, with unwinder: DwarfUnwinder, statistics: inout ProfileStatistics) -> RawSample {
        var raw = sample.raw
        // Inside execve the stack at sp is readable until the kernel replaces the
        // caller's memory; after that the registers point into nothing, and the
        // kernel's frame-pointer walk of them would pass off one stale address as a
        // whole stack.
        if raw.inExecve && sample.stack.isEmpty && sample.sp != 0 {
            raw.userStack = []
            raw.userUnwind = .replacedByExec
            statistics.incompleteUserStacks += 1
            return raw
        }
        guard sample.raw.pid > 0, sample.ip != 0 else { return raw }
        let takenAt = Int64(clamping: sample.timestampNanoseconds)
        guard !sample.stack.isEmpty else {
            (raw.userStack, raw.userUnwind) = unwinder.checkedFramePointerStack(
                pid: raw.pid, raw.userStack, status: raw.userUnwind, takenAt: takenAt, image: raw.image)
            if raw.userUnwind != .complete { statistics.incompleteUserStacks += 1 }
            return raw
        }
        let (frames, status) = unwinder.unwind(pid: raw.pid, ip: sample.ip, sp: sample.sp, bp: sample.bp, stack: sample.stack,
                                               takenAt: takenAt, image: raw.image)
        raw.userStack = frames
        raw.userUnwind = status
        statistics.dwarfUnwound += 1
        if status != .complete { statistics.incompleteUserStacks += 1 }
        return raw
    }
}

/// A sample kept past its ring-buffer callback: the stack copy is owned.
private struct DeferredSample {
    let raw: RawSample
    let ip: UInt64
    let sp: UInt64
    let bp: UInt64
    let timestamp: UInt64
    let stack: [UInt8]
    /// An off-CPU sample's wait, once its end has arrived.
    var waited: UInt64?

    init(_ s: KernelSample) {
        raw = s.raw
        ip = s.ip
        sp = s.sp
        bp = s.bp
        timestamp = s.timestampNanoseconds
        stack = Array(s.stack)
    }
}
