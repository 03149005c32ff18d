import Glibc
import VigilSystem

/// Turns the sampler's ring-buffer records into profile samples: unwinds user
/// stacks from the copied stack, pairs each off-CPU wait with the record that
/// ends it, and counts everything into a `ProfileBuilder`.
///
/// One consumer thread drives it (the ring buffer's callback); not thread-safe.
final class SampleConsumer {
    let builder: ProfileBuilder
    let unwinder = DwarfUnwinder()
    var statistics = ProfileStatistics()
    private var lastComm: [Int32: String] = [:]
    /// Threads off the CPU now: their stacks (already unwound) and when they left.
    private var waiting: [Int32: (sample: RawSample, since: UInt64)] = [:]
    /// A thread that exits while waiting never sends an end; bound what that costs.
    static let maxWaiting = 65_536

    init(builder: ProfileBuilder) { self.builder = builder }

    func consume(_ bytes: UnsafeRawBufferPointer) {
        switch SampleDecoder.record(bytes) {
        case nil:
            statistics.undecodable += 1
        case .offCPUEnd(_, let tid, let nanoseconds):
            guard var wait = waiting.removeValue(forKey: tid)?.sample else { return }
            wait.value = nanoseconds
            builder.add(wait)
            statistics.offCPUWaits += 1
        case .sample(let sample):
            // A new comm means the process exec'd: its mappings must be read again.
            if let previous = lastComm[sample.raw.pid], previous != sample.raw.comm {
                builder.forget(pid: sample.raw.pid)
                unwinder.forget(pid: sample.raw.pid)
            }
            lastComm[sample.raw.pid] = sample.raw.comm
            let raw = Self.unwound(sample, with: unwinder, statistics: &statistics)
            if raw.kind == .offCPU {
                if waiting.count >= Self.maxWaiting { waiting.removeAll(keepingCapacity: true) }
                waiting[raw.tid] = (raw, sample.timestampNanoseconds)
            } else {
                builder.add(raw)
                statistics.samples += 1
            }
        }
    }

    /// Waits still going on when the capture ends count up to now: a thread asleep
    /// for the whole capture is exactly what an off-CPU profile must show.
    func closeWaits() {
        let now = UInt64(Clock.boottimeNanoseconds())
        for (_, wait) in waiting {
            var sample = wait.sample
            sample.value = now > wait.since ? now - wait.since : 0
            builder.add(sample)
            statistics.offCPUWaits += 1
        }
        waiting.removeAll()
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
}
