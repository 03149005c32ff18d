/// A de-duplicated profile: each distinct frame and each distinct trace is stored
/// once, and samples are counts per (trace, process). Memory grows with the
/// number of distinct stacks, not with the number of samples.
public struct Profile: Sendable {
    /// Distinct frames; traces refer to them by index.
    public internal(set) var frames: [Frame] = []
    /// Distinct traces, each a list of frame indexes, leaf first (kernel frames,
    /// then user frames, then markers of an incomplete unwind at the root end).
    public internal(set) var traces: [[UInt32]] = []
    /// The counts, one entry per (trace, pid, comm).
    public internal(set) var samples: [SampleKey: SampleValues] = [:]
    /// Every executable a frame points into, by file ID.
    public internal(set) var executables: [FileID: Executable] = [:]
    public internal(set) var kernel: KernelImage?
    /// Nanoseconds of CPU time one cpu sample stands for (1e9 / frequency).
    public var periodNanoseconds: Int64
    /// Capture start (CLOCK_REALTIME) and length.
    public var startNanoseconds: Int64
    public var durationNanoseconds: Int64 = 0
    public internal(set) var stats = ProfileStats()

    var frameIndex: [Frame: UInt32] = [:]
    var traceIndex: [TraceHash: UInt32] = [:]
    var commIndex: [String: UInt32] = [:]
    public internal(set) var comms: [String] = []

    public init(periodNanoseconds: Int64, startNanoseconds: Int64) {
        self.periodNanoseconds = periodNanoseconds
        self.startNanoseconds = startNanoseconds
    }

    /// The trace with this hash, adding it when new; `frames` is read only then.
    mutating func intern(trace hash: TraceHash, frames newFrames: @autoclosure () -> [Frame]) -> UInt32 {
        if let i = traceIndex[hash] { return i }
        let indexes = newFrames().map { f -> UInt32 in
            if let i = frameIndex[f] { return i }
            let i = UInt32(frames.count)
            frames.append(f)
            frameIndex[f] = i
            return i
        }
        let i = UInt32(traces.count)
        traces.append(indexes)
        traceIndex[hash] = i
        return i
    }

    mutating func intern(comm: String) -> UInt32 {
        if let i = commIndex[comm] { return i }
        let i = UInt32(comms.count)
        comms.append(comm)
        commIndex[comm] = i
        return i
    }

    mutating func add(_ executable: Executable) { executables[executable.fileID] = executable }
    mutating func setKernel(_ image: KernelImage) { kernel = image }

    mutating func count(_ key: SampleKey, kind: SampleKind, value: UInt64) {
        samples[key, default: SampleValues()].add(kind: kind, value: value)
    }

    mutating func note(_ update: (inout ProfileStats) -> Void) { update(&stats) }

    /// Total cpu samples (the sum of `SampleValues.cpuSamples`).
    public var cpuSampleCount: UInt64 { samples.values.reduce(0) { $0 + $1.cpuSamples } }
    /// Whether any off-CPU time was recorded.
    public var hasOffCPU: Bool { samples.values.contains { $0.offCPUNanoseconds > 0 } }
}

/// What samples are grouped by besides their trace: the process and thread name.
public struct SampleKey: Hashable, Sendable {
    public let trace: UInt32
    public let pid: Int32
    /// Index into `Profile.comms`.
    public let comm: UInt32
}

public struct SampleValues: Sendable, Equatable {
    /// cpu-clock samples (ticks).
    public internal(set) var cpuSamples: UInt64 = 0
    /// Time waited off the CPU, and how many waits that was.
    public internal(set) var offCPUNanoseconds: UInt64 = 0
    public internal(set) var offCPUEvents: UInt64 = 0

    mutating func add(kind: SampleKind, value: UInt64) {
        switch kind {
        case .cpu: cpuSamples += value
        case .offCPU:
            offCPUNanoseconds += value
            offCPUEvents += 1
        }
    }

    /// The measure a writer shows: cpu samples, or off-CPU nanoseconds.
    public func value(_ kind: SampleKind) -> UInt64 { kind == .cpu ? cpuSamples : offCPUNanoseconds }
}

/// What the pipeline saw go wrong, counted rather than hidden.
public struct ProfileStats: Sendable, Equatable {
    public internal(set) var samples: UInt64 = 0
    public internal(set) var userTruncated: UInt64 = 0
    public internal(set) var userFailed: UInt64 = 0
    public internal(set) var kernelTruncated: UInt64 = 0
    public internal(set) var kernelFailed: UInt64 = 0
    /// Samples of processes that were gone before their mappings could be read.
    public internal(set) var processGone: UInt64 = 0
    /// Samples of processes whose mappings we may not read (not root).
    public internal(set) var mappingsDenied: UInt64 = 0
    /// User frames outside every mapping of their process.
    public internal(set) var unmappedFrames: UInt64 = 0
    /// Samples of a program exec replaced: inside execve past the switch, or before
    /// any copy of its mappings was read.
    public internal(set) var execReplaced: UInt64 = 0
    /// Mapped files that could not be opened or parsed (permission, deleted, not ELF).
    public internal(set) var unreadableFiles: UInt64 = 0
}
