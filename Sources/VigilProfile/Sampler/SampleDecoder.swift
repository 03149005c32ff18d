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
    /// The thread ran again after waiting this long, since it left the CPU at `since`
    /// (the timestamp of the off-CPU sample it ends).
    case offCPUEnd(pid: Int32, tid: Int32, nanoseconds: UInt64, since: UInt64)
    /// An executable file mapping of a process that was exiting.
    case exitMapping(pid: Int32, image: ProgramImage?, mapping: ExecutableMapping)
    /// The last of them: `count` were sent; `complete` is false when the list is cut
    /// short or was not walked (a process with over 1,024 memory areas).
    case exitMappingsEnd(pid: Int32, image: ProgramImage?, count: Int, complete: Bool)
}

public enum SampleDecoder {
    /// Reads the record's kind first: an off-CPU end is a short record.
    public static func record(_ bytes: UnsafeRawBufferPointer) -> SamplerRecord? {
        guard bytes.count >= MemoryLayout<vigil_off_cpu_end>.size, let base = bytes.baseAddress else { return nil }
        let end = base.loadUnaligned(as: vigil_off_cpu_end.self)
        if end.kind == UInt32(VIGIL_SAMPLE_OFF_CPU_END.rawValue) {
            return .offCPUEnd(pid: Int32(bitPattern: end.pid), tid: Int32(bitPattern: end.tid), nanoseconds: end.value,
                              since: end.timestamp_ns &- end.value)
        }
        if end.kind == UInt32(VIGIL_SAMPLE_EXIT_MAPPING.rawValue) || end.kind == UInt32(VIGIL_SAMPLE_EXIT_MAPPINGS_END.rawValue) {
            return exitMapping(bytes)
        }
        return decode(bytes).map(SamplerRecord.sample)
    }

    static let exitPathOffset = MemoryLayout<vigil_exit_mapping>.offset(of: \.path)!

    static func exitMapping(_ bytes: UnsafeRawBufferPointer) -> SamplerRecord? {
        guard bytes.count >= exitPathOffset, let base = bytes.baseAddress else { return nil }
        // Read field by field: the record stops after its path, short of the C struct.
        func field<T>(_ key: KeyPath<vigil_exit_mapping, T>, _ type: T.Type) -> T {
            base.loadUnaligned(fromByteOffset: MemoryLayout<vigil_exit_mapping>.offset(of: key)!, as: T.self)
        }
        let pid = Int32(bitPattern: field(\.pid, UInt32.self))
        let image = ProgramImage(startCode: field(\.start_code, UInt64.self), startStack: field(\.start_stack, UInt64.self))
        if field(\.kind, UInt32.self) == UInt32(VIGIL_SAMPLE_EXIT_MAPPINGS_END.rawValue) {
            return .exitMappingsEnd(pid: pid, image: image, count: Int(field(\.count, UInt32.self)),
                                    complete: field(\.truncated, UInt32.self) == 0)
        }
        let length = min(Int(field(\.path_len, UInt32.self)), bytes.count - exitPathOffset)
        let path = String(decoding: UnsafeRawBufferPointer(start: base + exitPathOffset, count: max(0, length)), as: UTF8.self)
        // A path cut short names another file, or none: keep the range, not the name.
        let truncated = field(\.truncated, UInt32.self) != 0
        let mapping = ExecutableMapping(start: field(\.start, UInt64.self), end: field(\.end, UInt64.self),
                                        fileOffset: field(\.offset, UInt64.self), device: field(\.device, UInt64.self),
                                        inode: truncated ? 0 : field(\.inode, UInt64.self), path: path)
        return .exitMapping(pid: pid, image: image, mapping: mapping)
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
            kind: s.pointee.kind == UInt32(VIGIL_SAMPLE_OFF_CPU.rawValue) ? .offCPU : .cpu, value: s.pointee.value,
            timestampNanoseconds: s.pointee.timestamp_ns,
            inExecve: s.pointee.flags & UInt32(VIGIL_SAMPLE_IN_EXECVE.rawValue) != 0,
            image: ProgramImage(startCode: s.pointee.start_code, startStack: s.pointee.start_stack))
        // Swift does not import the C `stack` member, so its struct size stops short of
        // it: bound the copy by the record itself.
        let stackLength = max(0, min(Int(s.pointee.stack_len), Int(VIGIL_STACK_COPY_MAX), record.count - stackOffset))
        return KernelSample(raw: raw, ip: s.pointee.ip, sp: s.pointee.sp, bp: s.pointee.bp,
                            stack: UnsafeRawBufferPointer(start: base + stackOffset, count: stackLength),
                            timestampNanoseconds: s.pointee.timestamp_ns)
    }
}
