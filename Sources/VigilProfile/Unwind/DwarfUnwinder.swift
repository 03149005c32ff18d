import VigilSystem

/// Unwinds a user stack without frame pointers: from the registers and the copy of
/// the top of the stack the sampler took, step caller by caller with each binary's
/// call frame information. Stops, and says why, rather than invent a frame.
public final class DwarfUnwinder {
    /// Unwind tables by file (path and inode), nil for files without usable CFI.
    /// By device and inode, not by a path String: this is looked up twice per frame.
    private struct FileKey: Hashable {
        let device: UInt64
        let inode: UInt64
    }
    /// Tables in bytes and in files (each keeps its file open, to check call sites): a
    /// host compiling code maps hundreds of megabytes of compilers, whose tables would
    /// otherwise all stay. An evicted table is read again if its binary runs again.
    private let files: BoundedCache<FileKey, FileUnwindInfo>
    /// Files found to have no usable call frame information.
    private var withoutTables: Set<FileKey> = []
    /// Processes' mappings, shared with the resolver when a consumer owns both.
    let images: ProcessImages
    /// A miss re-reads /proc/PID/maps at most this often (new libraries, JIT code);
    /// stack slots that are not code addresses miss all the time. An address that
    /// should be code (the pc, a return address found by a rule) re-reads sooner, and
    /// at once when the copy is older than the sample (see `MapsRefresh`).
    private let refreshInterval: Int64 = 1_000_000_000
    /// When the stack being unwound was sampled (CLOCK_BOOTTIME), if known, and
    /// which program the process ran then.
    private var sampleTakenAt: Int64?
    private var sampleImage: ProgramImage?
    public private(set) var filesLoaded = 0
    /// The most frames followed per stack.
    let maxFrames = 127
    /// How far past an ELF entry point code without call frame information is taken
    /// as the thread's first frame (glibc's x86-64 RTLD_START is about 80 bytes).
    static let entryStubBytes: UInt64 = 128

    public convenience init(cacheLimitBytes: Int = 48 << 20, cacheLimitFiles: Int = 256) {
        self.init(images: ProcessImages(), cacheLimitBytes: cacheLimitBytes, cacheLimitFiles: cacheLimitFiles)
    }

    init(images: ProcessImages, cacheLimitBytes: Int = 48 << 20, cacheLimitFiles: Int = 256) {
        self.images = images
        files = BoundedCache(limitBytes: cacheLimitBytes, limitEntries: cacheLimitFiles) { $0.byteCount }
    }

    /// Tables dropped from the cache so far, and how many it holds now.
    var filesEvicted: Int { files.evicted }
    var cachedFiles: Int { files.count }

    /// Leaf-first addresses from `ip`, with how the walk ended. `takenAt`: when the
    /// sample was taken (CLOCK_BOOTTIME nanoseconds), which tells whether the copy of
    /// the process's mappings can be too old for it; `image`: the program the
    /// process ran then, whose mappings are the ones to unwind with.
    public func unwind(pid: Int32, ip: UInt64, sp: UInt64, bp: UInt64, stack: UnsafeRawBufferPointer,
                       takenAt: Int64? = nil, image: ProgramImage? = nil) -> (frames: [UInt64], status: UnwindStatus) {
        sampleTakenAt = takenAt
        sampleImage = image
        var frames: [UInt64] = []
        var (pc, sp, bp) = (ip, sp, bp)
        let stackStart = sp
        func read(_ address: UInt64) -> UInt64? {
            guard address >= stackStart, address - stackStart + 8 <= UInt64(stack.count) else { return nil }
            return stack.loadUnaligned(fromByteOffset: Int(address - stackStart), as: UInt64.self)
        }
        while frames.count < maxFrames {
            frames.append(pc)
            guard let mapping = mapping(pid: pid, address: pc, expectCode: true), let info = info(for: mapping, pid: pid) else { return (frames, .failed) }
            // Return addresses point after the call; look up the call itself.
            let lookup = frames.count == 1 ? pc : pc &- 1
            guard let elfAddress = info.virtualAddress(ofFileOffset: mapping.fileOffset(of: lookup)) else { return (frames, .failed) }
            // A sample in a PLT stub: its CFI is a DWARF expression (or missing), but the
            // ABI fixes it: the return address is on top of the stack, one slot lower
            // once a lazy entry has pushed its relocation index (from byte 11 on).
            let rule = info.table.rule(at: elfAddress)
            if frames.count == 1, rule == nil || rule?.cfaBase == .unsupported, info.plt.contains(elfAddress) {
                let cfa = sp &+ 8 &+ ((elfAddress & 15) >= 11 ? 8 : 0)
                guard let returnAddress = read(cfa &- 8) else { return (frames, .truncated) }
                guard followsCall(pid: pid, returnAddress, expectCode: true) else { return (frames, .failed) }
                (pc, sp) = (returnAddress, cfa)
                continue
            }
            guard let rule else {
                // The loader's entry code (RTLD_START: `_start` calls _dl_start, then
                // _dl_init, then jumps to the program) has no call frame information
                // in Debian's ld.so: the kernel started the thread there, so it has no
                // caller. The window covers that stub only.
                if info.entryPoint != 0, elfAddress >= info.entryPoint, elfAddress - info.entryPoint < Self.entryStubBytes {
                    return (frames, .complete)
                }
                // No call frame information (swiftc emits none for functions that
                // cannot unwind). Code built with frame pointers: follow rbp, when
                // the function's prologue proves it keeps one (this also restores the
                // caller's rbp). Otherwise find the return address by a call that
                // provably targets this function. Or stop.
                if let caller = framePointerCaller(pid: pid, at: elfAddress, leaf: frames.count == 1, in: info, sp: sp, bp: bp, read: read) {
                    (pc, sp, bp) = caller
                    continue
                }
                guard let caller = verifiedCaller(pid: pid, function: elfAddress, in: info, sp: sp, read: read) else {
                    return (frames, .failed)
                }
                (pc, sp) = caller
                continue
            }
            if rule.outermost { return (frames, .complete) }
            let base: UInt64
            switch rule.cfaBase {
            case .sp: base = sp
            case .bp: base = bp
            case .unsupported: return (frames, .failed)
            }
            let cfa = base &+ UInt64(bitPattern: Int64(rule.cfaOffset))
            guard let returnAddress = read(cfa &+ UInt64(bitPattern: Int64(rule.returnAddressOffset))) else {
                return (frames, .truncated)  // the copy of the stack ends here
            }
            if let saved = rule.bpOffset {
                guard let value = read(cfa &+ UInt64(bitPattern: Int64(saved))) else { return (frames, .truncated) }
                bp = value
            }
            if returnAddress == 0 { return (frames, .complete) }
            guard cfa > sp else { return (frames, .failed) }  // the stack must grow toward callers
            // A return address follows a call instruction in a mapped binary; anything
            // else means the rule or the stack copy misled us: stop, do not invent.
            guard followsCall(pid: pid, returnAddress, expectCode: true) else { return (frames, .failed) }
            (pc, sp) = (returnAddress, cfa)
        }
        return (frames, .truncated)
    }

    /// The kernel's frame-pointer walk, kept up to the first return address that does
    /// not follow a call instruction in code: where there was no copy of the stack
    /// to unwind (its page not yet faulted in, or no copy asked for). Through code
    /// built without frame pointers rbp holds anything, and the walk would show
    /// frames that never ran.
    public func checkedFramePointerStack(pid: Int32, _ stack: [UInt64], status: UnwindStatus,
                                         takenAt: Int64? = nil, image: ProgramImage? = nil) -> (frames: [UInt64], status: UnwindStatus) {
        sampleTakenAt = takenAt
        sampleImage = image
        guard stack.count > 1 else { return (stack, status) }
        for i in 1..<stack.count where !followsCall(pid: pid, stack[i], expectCode: true) {
            return (Array(stack[..<i]), .failed)
        }
        return (stack, status)
    }

    /// Scans the stack from `sp` for a return address whose call instruction is a
    /// direct `call rel32` to the function holding `address`: in the same binary, or
    /// through the caller's PLT entry bound to that function's name. A stale value in
    /// a stack slot does not pass that test, so no frame is invented; tail calls and
    /// calls through pointers do not pass it either, and end the walk.
    private func verifiedCaller(pid: Int32, function address: UInt64, in info: FileUnwindInfo, sp: UInt64,
                                read: (UInt64) -> UInt64?) -> (pc: UInt64, sp: UInt64)? {
        guard let function = info.symbols.lookup(address) else { return nil }
        for slot in 0..<64 {
            let at = sp &+ UInt64(slot * 8)
            guard let candidate = read(at) else { return nil }
            guard let m = mapping(pid: pid, address: candidate), let callerInfo = self.info(for: m, pid: pid),
                  let returnAddress = callerInfo.virtualAddress(ofFileOffset: m.fileOffset(of: candidate)),
                  returnAddress >= 5, let call = callerInfo.code(at: returnAddress - 5, count: 5), call[0] == 0xe8 else { continue }
            let displacement = Int64(Int32(bitPattern: UInt32(call[1]) | UInt32(call[2]) << 8 | UInt32(call[3]) << 16 | UInt32(call[4]) << 24))
            let target = returnAddress &+ UInt64(bitPattern: displacement)
            if callerInfo === info && target == function.address { return (candidate, at + 8) }
            if let name = callerInfo.pltFunction(at: target), name == function.name { return (candidate, at + 8) }
        }
        return nil
    }

    /// The caller of a function without call frame information that starts with the
    /// frame-pointer prologue `push %rbp; mov %rsp,%rbp` (55 48 89 e5): where the
    /// return address is depends on how far into the prologue `address` is (or
    /// whether it is at a `ret`, after the epilogue restored rbp); a caller's frame
    /// is always past its prologue, inside a call. The return
    /// address must follow a call, or the step is refused.
    private func framePointerCaller(pid: Int32, at address: UInt64, leaf: Bool, in info: FileUnwindInfo, sp: UInt64, bp: UInt64,
                                    read: (UInt64) -> UInt64?) -> (pc: UInt64, sp: UInt64, bp: UInt64)? {
        guard let function = info.symbols.lookup(address),
              let prologue = info.code(at: function.address, count: 4), prologue == [0x55, 0x48, 0x89, 0xe5] else { return nil }
        let into = leaf ? address &- function.address : 4
        let atReturn = leaf && info.code(at: address, count: 1) == [0xc3]
        let step: (returnAddress: UInt64?, sp: UInt64, bp: UInt64?)
        if into == 0 || atReturn {
            step = (read(sp), sp &+ 8, bp)                  // rbp is the caller's
        } else if into == 1 {
            step = (read(sp &+ 8), sp &+ 16, read(sp))      // pushed, not yet moved
        } else {
            guard bp >= sp else { return nil }
            step = (read(bp &+ 8), bp &+ 16, read(bp))      // rbp is this frame's base
        }
        guard let returnAddress = step.returnAddress, let callerBP = step.bp,
              step.sp > sp, followsCall(pid: pid, returnAddress, expectCode: true) else { return nil }
        return (returnAddress, step.sp, callerBP)
    }

    /// Whether the bytes before `address` end with a call instruction: `call rel32`,
    /// or `call` through a register or memory operand (FF /2 in its 2- to 7-byte forms).
    private func followsCall(pid: Int32, _ address: UInt64, expectCode: Bool = false) -> Bool {
        guard let m = mapping(pid: pid, address: address, expectCode: expectCode), let info = info(for: m, pid: pid),
              let at = info.virtualAddress(ofFileOffset: m.fileOffset(of: address)), at >= 7,
              let code = info.code(at: at - 7, count: 7) else { return false }
        if code[2] == 0xe8 { return true }
        for length in 2...7 where code[7 - length] == 0xff && (code[8 - length] & 0x38) == 0x10 { return true }
        return false
    }

    private func mapping(pid: Int32, address: UInt64, expectCode: Bool = false) -> ExecutableMapping? {
        let now = Clock.boottimeNanoseconds()
        guard case .copy(let copy) = images.copy(pid: pid, image: sampleImage, now: now) else { return nil }
        if let i = copy.find(address) { return copy.mappings[i] }
        let refreshed = expectCode
            ? images.refresh(copy, takenAt: sampleTakenAt, now: now, interval: MapsRefresh.expectedCodeInterval)
            : images.refresh(copy, takenAt: nil, now: now, interval: refreshInterval)
        guard refreshed == .updated, let i = copy.find(address) else { return nil }
        return copy.mappings[i]
    }

    /// The vDSO's table, from this process's copy (the same image in every process of
    /// this architecture), and its mapping's length to tell another one apart.
    private lazy var vdso: (info: FileUnwindInfo, size: UInt64)? = ELFFile.ownVDSO().map { (FileUnwindInfo.load($0.file), $0.size) }

    func info(for mapping: ExecutableMapping, pid: Int32) -> FileUnwindInfo? {
        if mapping.path == "[vdso]" {
            guard let vdso, vdso.size == mapping.end - mapping.start else { return nil }
            return vdso.info
        }
        guard mapping.isFile else { return nil }
        let key = FileKey(device: mapping.device, inode: mapping.inode)
        if let cached = files[key] { return cached }
        if withoutTables.contains(key) { return nil }
        // Through the process's root, so a binary inside a container is the one opened;
        // the path itself (a process gone since) only if it is still the same file.
        let loaded = FileUnwindInfo.load(path: "/proc/\(pid)/root\(mapping.path)")
            ?? FileUnwindInfo.load(path: mapping.path, file: (mapping.device, mapping.inode))
        filesLoaded += 1
        if let loaded {
            files.insert(loaded, for: key)
        } else {
            if withoutTables.count >= 8192 { withoutTables.removeAll() }
            withoutTables.insert(key)
        }
        return loaded
    }
}
