/// How far the unwinder got. A stack that is not `complete` is marked in the
/// profile (a synthetic root frame that says so) and counted; the missing
/// callers are never guessed.
public enum UnwindStatus: UInt8, Sendable, Hashable {
    /// The unwinder reached the thread's entry point (or the stack is empty by nature).
    case complete
    /// The stack was cut at the sampler's depth or copy-size limit.
    case truncated
    /// The unwinder stopped early: no unwind info, a bad frame, an unreadable stack.
    case failed
    /// The thread was inside execve, and the program that called it was already
    /// gone (the kernel had replaced its memory, or had by the time its mappings
    /// were read): its user stack no longer exists to be named.
    case replacedByExec
}

/// One sample as the BPF sampler hands it over, addresses still raw.
///
/// Stacks are leaf first, as the kernel and unwinders produce them: element 0 is
/// the interrupted instruction, the others are return addresses (the pipeline
/// subtracts one from those before symbolizing, so a call at the very end of a
/// function is not attributed to the next one).
public struct RawSample: Sendable {
    public var pid: Int32
    public var tid: Int32
    public var cpu: UInt32
    /// The thread's name (task comm, at most 15 bytes).
    public var comm: String
    /// Kernel addresses, leaf first; empty when the sample hit user space.
    public var kernelStack: [UInt64]
    /// User addresses, leaf first, already unwound.
    public var userStack: [UInt64]
    public var userUnwind: UnwindStatus
    public var kernelUnwind: UnwindStatus
    public var kind: SampleKind
    /// 1 (or the number of coalesced ticks) for `.cpu`; nanoseconds for `.offCPU`.
    public var value: UInt64
    /// When the sample was taken (CLOCK_BOOTTIME nanoseconds), 0 if unknown: tells
    /// the symbolizer whether its copy of the process's mappings can predate it.
    public var timestampNanoseconds: UInt64
    /// The thread was inside execve: its user addresses may belong to a program the
    /// kernel has since replaced, which no mapping of the process names any more.
    public var inExecve: Bool
    /// The program the process ran when sampled (nil if unknown): its mappings, not
    /// those of a program it exec'd since, name the user addresses.
    public var image: ProgramImage?

    public init(
        pid: Int32, tid: Int32, cpu: UInt32 = 0, comm: String,
        kernelStack: [UInt64] = [], userStack: [UInt64] = [],
        userUnwind: UnwindStatus = .complete, kernelUnwind: UnwindStatus = .complete,
        kind: SampleKind = .cpu, value: UInt64 = 1, timestampNanoseconds: UInt64 = 0, inExecve: Bool = false,
        image: ProgramImage? = nil
    ) {
        self.pid = pid
        self.tid = tid
        self.cpu = cpu
        self.comm = comm
        self.kernelStack = kernelStack
        self.userStack = userStack
        self.userUnwind = userUnwind
        self.kernelUnwind = kernelUnwind
        self.kind = kind
        self.value = value
        self.timestampNanoseconds = timestampNanoseconds
        self.inExecve = inExecve
        self.image = image
    }
}
