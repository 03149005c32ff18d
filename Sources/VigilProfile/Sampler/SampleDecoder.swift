import CVigilBPF

/// A sample as the kernel recorded it, decoded in place: ids, the stacks the kernel
/// walked, and the copied user stack for unwinding without frame pointers.
public struct KernelSample {
    public var raw: RawSample
    /// User registers and the copy of the stack from sp (valid during the callback only).
    public var ip: UInt64
    public var sp: UInt64
    public var bp: UInt64
    public var stack: UnsafeRawBufferPointer
    /// When the sample was taken (CLOCK_BOOTTIME).
    public var timestampNanoseconds: UInt64
}

/// A record of the sampler's ring buffer.
public enum SamplerRecord {
    /// A CPU sample, or the stacks of a thread leaving the CPU (`raw.kind == .offCPU`).
    case sample(KernelSample)
    /// The thread ran again after waiting this long.
    case offCPUEnd(pid: Int32, tid: Int32, nanoseconds: UInt64)
}

public enum SampleDecoder {
    /// Reads the record's kind first: an off-CPU end is a short record.
    public static func record(_ bytes: UnsafeRawBufferPointer) -> SamplerRecord? {
        guard bytes.count >= MemoryLayout<vigil_off_cpu_end>.size, let base = bytes.baseAddress else { return nil }
        let end = base.loadUnaligned(as: vigil_off_cpu_end.self)
        if end.kind == UInt32(VIGIL_SAMPLE_OFF_CPU_END.rawValue) {
            return .offCPUEnd(pid: Int32(bitPattern: end.pid), tid: Int32(bitPattern: end.tid), nanoseconds: end.value)
        }
        return decode(bytes).map(SamplerRecord.sample)
    }

    /// Where the stack copy starts: the C `stack` member is too large for Swift to import.
    static let stackOffset = MemoryLayout<vigil_profile_sample>.offset(of: \.user)! + Int(VIGIL_STACK_DEPTH) * 8

    public static func decode(_ record: UnsafeRawBufferPointer) -> KernelSample? {
        guard record.count >= MemoryLayout<vigil_profile_sample>.size, let base = record.baseAddress else { return nil }
        let s = base.assumingMemoryBound(to: vigil_profile_sample.self)
        let comm = withUnsafeBytes(of: s.pointee.comm) { c in
            String(decoding: c.prefix { $0 != 0 }, as: UTF8.self)
        }
        func frames(_ count: Int32, _ offset: Int) -> [UInt64] {
            guard count > 0 else { return [] }
            let n = min(Int(count), Int(VIGIL_STACK_DEPTH))
            return (0..<n).map { (base + offset).loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self) }
        }
        let kernel = frames(s.pointee.kernel_frames, MemoryLayout<vigil_profile_sample>.offset(of: \.kernel)!)
        let user = frames(s.pointee.user_frames, MemoryLayout<vigil_profile_sample>.offset(of: \.user)!)
        let depth = Int32(VIGIL_STACK_DEPTH)
        let raw = RawSample(
            pid: Int32(bitPattern: s.pointee.pid), tid: Int32(bitPattern: s.pointee.tid), cpu: s.pointee.cpu, comm: comm,
            kernelStack: kernel, userStack: user,
            userUnwind: s.pointee.user_frames < 0 ? .failed : s.pointee.user_frames >= depth ? .truncated : .complete,
            kernelUnwind: s.pointee.kernel_frames < 0 ? .failed : s.pointee.kernel_frames >= depth ? .truncated : .complete,
            kind: s.pointee.kind == UInt32(VIGIL_SAMPLE_OFF_CPU.rawValue) ? .offCPU : .cpu, value: s.pointee.value)
        // Swift does not import the C `stack` member, so its struct size stops short of
        // it: bound the copy by the record itself.
        let stackLength = max(0, min(Int(s.pointee.stack_len), Int(VIGIL_STACK_COPY_MAX), record.count - stackOffset))
        return KernelSample(raw: raw, ip: s.pointee.ip, sp: s.pointee.sp, bp: s.pointee.bp,
                            stack: UnsafeRawBufferPointer(start: base + stackOffset, count: stackLength),
                            timestampNanoseconds: s.pointee.timestamp_ns)
    }
}
