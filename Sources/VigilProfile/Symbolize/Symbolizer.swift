/// A frame with its name: what every writer prints.
public struct SymbolizedFrame: Sendable, Equatable {
    /// The demangled function name, or a stand-in such as "libfoo.so+0x1234".
    public let function: String
    /// The name as the symbol table has it (mangled), or `function` when there is none.
    public let systemName: String
    /// The binary the code belongs to: a path, "[kernel.kallsyms]", "[module]" or "[jit]".
    public let file: String
    /// Whether a symbol named the frame.
    public let symbolized: Bool
}

/// A profile together with the names of its frames (`names[i]` names `profile.frames[i]`).
public struct SymbolizedProfile: Sendable {
    public let profile: Profile
    public let names: [SymbolizedFrame]

    public init(profile: Profile, names: [SymbolizedFrame]) {
        self.profile = profile
        self.names = names
    }
}

/// Names frames: ELF symbols (per executable, loaded once per file ID by the
/// builder), kernel symbols from /proc/kallsyms, JIT symbols from
/// /tmp/perf-PID.map, then demangles. Each distinct frame is named once.
public final class Symbolizer {
    /// A fixed table, or nil to read kallsyms for each profile (`readsKallsyms`).
    private var kernelSymbols: KernelSymbols?
    private let readsKallsyms: Bool
    private var perfMaps: [Int32: PerfMap?] = [:]
    private var demangled: [String: String] = [:]

    /// Warnings for the user (hidden kernel addresses), each said once.
    public private(set) var warnings: [String] = []

    /// Names kernel frames from this table (nil: leaves them unnamed).
    public init(kernelSymbols: KernelSymbols?) {
        self.kernelSymbols = kernelSymbols
        readsKallsyms = false
        if let reason = kernelSymbols?.hiddenReason { warnings.append(reason) }
    }

    /// Reads /proc/kallsyms for each profile, keeping only the symbols of its kernel
    /// frames: a few hundred, where the whole table is 120,000 symbols and 5 MB to
    /// hold, and modules loaded since the last profile are named too.
    public init() {
        kernelSymbols = nil
        readsKallsyms = true
    }

    /// JIT maps grow as code is compiled: read them again for the next profile.
    public func refreshJITMaps() { perfMaps.removeAll() }

    public func symbolize(_ profile: Profile) -> SymbolizedProfile {
        if readsKallsyms {
            let addresses = profile.frames.lazy.filter { $0.kind == .kernel }.map(\.address)
            kernelSymbols = addresses.isEmpty ? nil : try? KernelSymbols.read(needed: Array(addresses))
            if let reason = kernelSymbols?.hiddenReason, !warnings.contains(reason) { warnings.append(reason) }
        }
        defer { if readsKallsyms { kernelSymbols = nil } }
        return SymbolizedProfile(profile: profile, names: profile.frames.map { name($0, in: profile) })
    }

    func name(_ frame: Frame, in profile: Profile) -> SymbolizedFrame {
        switch frame.kind {
        case .marker:
            let m = Frame.Marker(rawValue: frame.address)?.name ?? "[incomplete stack]"
            return SymbolizedFrame(function: m, systemName: m, file: "", symbolized: false)
        case .kernel:
            let module = kernelSymbols?.module(of: frame.address)
            let file = module.map { "[\($0)]" } ?? "[kernel.kallsyms]"
            if let sym = kernelSymbols?.lookup(frame.address) {
                return SymbolizedFrame(function: sym.name, systemName: sym.name, file: file, symbolized: true)
            }
            return unnamed("[kernel] 0x" + hex(frame.address), file: file)
        case .native:
            let exe = profile.executables[frame.file]
            let path = exe?.path ?? "[unknown]"
            if let sym = exe?.symbols.lookup(frame.address) {
                return SymbolizedFrame(function: demangle(sym.name), systemName: sym.name, file: path, symbolized: true)
            }
            return unnamed("\(basename(path))+0x\(hex(frame.address))", file: path)
        case .jit:
            if let sym = perfMap(frame.pid)?.lookup(frame.address) {
                return SymbolizedFrame(function: demangle(sym.name), systemName: sym.name, file: "[jit]", symbolized: true)
            }
            return unnamed("[jit] 0x" + hex(frame.address), file: "[jit]")
        case .unmapped:
            return unnamed("[unknown] 0x" + hex(frame.address), file: "")
        }
    }

    private func unnamed(_ text: String, file: String) -> SymbolizedFrame {
        SymbolizedFrame(function: text, systemName: text, file: file, symbolized: false)
    }

    private func demangle(_ name: String) -> String {
        if let d = demangled[name] { return d }
        let d = Demangler.demangle(name)
        demangled[name] = d
        return d
    }

    private func perfMap(_ pid: Int32) -> PerfMap? {
        if let cached = perfMaps[pid] { return cached }
        let map = PerfMap.read(pid: pid)
        perfMaps[pid] = map
        return map
    }

    private func hex(_ v: UInt64) -> String { String(v, radix: 16) }

    private func basename(_ path: String) -> String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }
}
