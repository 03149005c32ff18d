/// pprof Mappings: one per executable, one for the kernel. A mapping's range is
/// in the same address space as its locations (ELF virtual addresses), widened to
/// every address seen, so a reader never finds a location outside its mapping.
/// pprof takes the first mapping for the main binary ("File:" in its reports), so
/// mappings are ordered by the samples whose outermost native frame is theirs:
/// the program whose `main` roots most stacks comes first.
struct MappingTable {
    private(set) var messages: [Perftools_Profiles_Mapping] = []
    private var ids: [FileID: UInt64] = [:]

    init(_ profile: Profile, strings: inout StringTable) {
        var ranges: [FileID: (low: UInt64, high: UInt64)] = [:]
        for f in profile.frames where f.kind == .native || f.kind == .kernel {
            let r = ranges[f.file] ?? (f.address, f.address + 1)
            ranges[f.file] = (min(r.low, f.address), max(r.high, f.address + 1))
        }
        var rootWeight: [FileID: UInt64] = [:]
        for (key, values) in profile.samples {
            let trace = profile.traces[Int(key.trace)]
            if let root = trace.last(where: { profile.frames[Int($0)].kind == .native }) {
                rootWeight[profile.frames[Int(root)].file, default: 0] += values.cpuSamples + values.offCPUEvents
            }
        }
        let order = ranges.keys.sorted { (rootWeight[$0] ?? 0, $1) > (rootWeight[$1] ?? 0, $0) }
        for file in order {
            let seen = ranges[file]!
            var m = Perftools_Profiles_Mapping()
            m.id = UInt64(messages.count + 1)
            if let exe = profile.executables[file] {
                let text = exe.textRange
                m.memoryStart = text.high > text.low ? min(text.low, seen.low) : seen.low
                m.memoryLimit = max(text.high, seen.high)
                m.fileOffset = text.high > text.low && m.memoryStart == text.low ? text.fileOffset : 0
                m.filename = strings.index(exe.path)
                m.buildID = strings.index(exe.buildIDText)
                m.hasFunctions_p = exe.symbols.count > 0
            } else if let kernel = profile.kernel, kernel.fileID == file {
                m.memoryStart = seen.low
                m.memoryLimit = seen.high
                m.filename = strings.index("[kernel.kallsyms]")
                m.buildID = strings.index(kernel.buildIDText)
                m.hasFunctions_p = true
            } else {
                continue
            }
            ids[file] = m.id
            messages.append(m)
        }
    }

    /// The mapping of a frame, 0 (none) for JIT, unmapped and marker frames.
    func id(of frame: Frame) -> UInt64 {
        frame.kind == .native || frame.kind == .kernel ? ids[frame.file] ?? 0 : 0
    }
}
