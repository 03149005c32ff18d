import VigilSystem

/// The pipeline from raw samples to a de-duplicated profile: map each user address
/// to (file, ELF address), hash the trace, count it. Symbolization waits until the
/// profile is written (`Symbolizer`), so each distinct frame is named once.
///
/// Not thread-safe: one consumer feeds it, as samples come off the ring buffer.
public final class ProfileBuilder {
    public private(set) var profile: Profile
    private let resolver: AddressResolver
    private let hasher = TraceHasher()
    private var frames: [Frame] = []
    private let kernel: KernelImage
    private var startMonotonic = Clock.monotonicNanoseconds()

    /// - Parameters:
    ///   - frequency: sampling frequency per CPU in Hz, which sets the period of a cpu sample.
    ///   - kernel: the running kernel (its build ID names kernel frames' file).
    ///   - symbolCacheLimitBytes: how many bytes of whole symbol tables stay cached.
    public convenience init(frequency: Int, kernel: KernelImage = .current(), debugFiles: DebugFileLocator = DebugFileLocator(),
                            symbolCacheLimitBytes: Int = 48 << 20) {
        self.init(frequency: frequency, kernel: kernel, debugFiles: debugFiles, images: ProcessImages(),
                  symbolCacheLimitBytes: symbolCacheLimitBytes)
    }

    /// `images`: processes' mappings, shared with the consumer's unwinder.
    init(frequency: Int, kernel: KernelImage = .current(), debugFiles: DebugFileLocator = DebugFileLocator(),
         images: ProcessImages, symbolCacheLimitBytes: Int = 48 << 20) {
        profile = Profile(periodNanoseconds: 1_000_000_000 / Int64(max(frequency, 1)),
                          startNanoseconds: Clock.realtimeNanoseconds())
        profile.setKernel(kernel)
        self.kernel = kernel
        resolver = AddressResolver(debugFiles: debugFiles, images: images, symbolCacheLimitBytes: symbolCacheLimitBytes)
    }

    /// Whole symbol tables dropped from the cache so far.
    var symbolTablesEvicted: Int { resolver.symbolTablesEvicted }

    /// Count one sample.
    public func add(_ sample: RawSample) {
        frames.removeAll(keepingCapacity: true)
        profile.note { $0.samples += 1 }
        appendKernel(sample)
        appendUser(sample)
        let hash = hasher.hash(frames)
        let trace = profile.intern(trace: hash, frames: frames)
        let key = SampleKey(trace: trace, pid: sample.pid, comm: profile.intern(comm: sample.comm))
        profile.count(key, kind: sample.kind, value: sample.value)
    }

    /// Processes' mappings, for an unwinder to share.
    var images: ProcessImages { resolver.images }

    /// The profile so far, and a fresh one started: continuous profiling hands one
    /// profile per interval on, keeping what it knows of processes and files.
    public func rotate() -> Profile {
        let done = finish()
        profile = Profile(periodNanoseconds: profile.periodNanoseconds, startNanoseconds: Clock.realtimeNanoseconds())
        profile.setKernel(kernel)
        startMonotonic = Clock.monotonicNanoseconds()
        resolver.forgetExited()
        resolver.forgetFunctions()
        return done
    }

    /// The profile so far, with every executable its frames point into.
    public func finish() -> Profile {
        var out = profile
        out.durationNanoseconds = Clock.monotonicNanoseconds() - startMonotonic
        let used = Set(out.frames.lazy.filter { $0.kind == .native }.map(\.file))
        for id in used { if let exe = resolver.executable(id) { out.add(exe) } }
        out.note { $0.unreadableFiles = resolver.unreadableFiles }
        return out
    }

    private func appendKernel(_ sample: RawSample) {
        for (i, address) in sample.kernelStack.enumerated() where address != 0 {
            // Return addresses point after the call; step back into it (not for the interrupted pc).
            frames.append(Frame(kind: .kernel, file: kernel.fileID, address: i == 0 ? address : address - 1))
        }
        switch sample.kernelUnwind {
        case .complete: break
        case .truncated:
            frames.append(.marker(.kernelTruncated))
            profile.note { $0.kernelTruncated += 1 }
        case .failed:
            frames.append(.marker(.kernelFailed))
            profile.note { $0.kernelFailed += 1 }
        case .replacedByExec: break  // said of user stacks only
        }
    }

    private func appendUser(_ sample: RawSample) {
        let start = frames.count
        let takenAt = sample.timestampNanoseconds == 0 ? nil : Int64(clamping: sample.timestampNanoseconds)
        for (i, address) in sample.userStack.enumerated() where address != 0 {
            switch resolver.resolve(pid: sample.pid, address: i == 0 ? address : address - 1, takenAt: takenAt, image: sample.image) {
            case .unreadable(.replaced):
                frames.removeSubrange(start...)
                frames.append(.marker(sample.inExecve ? .execReplaced : .imageReplaced))
                profile.note { $0.execReplaced += 1 }
                return
            case .unreadable(let reason):
                // Keep the kernel part, say why the user part is missing.
                frames.removeSubrange(start...)
                switch reason {
                case .gone:
                    frames.append(.marker(.processGone))
                    profile.note { $0.processGone += 1 }
                case .denied:
                    frames.append(.marker(.mappingsDenied))
                    profile.note { $0.mappingsDenied += 1 }
                case .replaced: break
                }
                return
            case .frame(let f) where f.kind == .unmapped && sample.inExecve:
                // The caller of execve was replaced before its mappings were read:
                // say so rather than show an address no mapping holds.
                frames.removeSubrange(start...)
                frames.append(.marker(.execReplaced))
                profile.note { $0.execReplaced += 1 }
                return
            case .frame(let f):
                if f.kind == .unmapped { profile.note { $0.unmappedFrames += 1 } }
                frames.append(f)
            }
        }
        switch sample.userUnwind {
        case .complete: break
        case .truncated:
            frames.append(.marker(.userTruncated))
            profile.note { $0.userTruncated += 1 }
        case .failed:
            frames.append(.marker(.userFailed))
            profile.note { $0.userFailed += 1 }
        case .replacedByExec:
            frames.append(.marker(.execReplaced))
            profile.note { $0.execReplaced += 1 }
        }
    }
}
