import VigilSystem

/// Kernel text symbols from /proc/kallsyms ("address type name [module]"), sorted
/// for binary search. kallsyms gives no sizes: a symbol reaches to the next one.
public struct KernelSymbols: Sendable {
    public let symbols: SymbolTable
    /// Address ranges of loaded modules, sorted, to name the "file" of a module frame.
    public let modules: [(start: UInt64, end: UInt64, name: String)]
    /// True when every address read as zero: kernel.kptr_restrict hides them from
    /// this process (not root, or no CAP_SYSLOG), so kernel frames cannot be named.
    public let addressesHidden: Bool

    public init(symbols: SymbolTable, modules: [(start: UInt64, end: UInt64, name: String)], addressesHidden: Bool) {
        self.symbols = symbols
        self.modules = modules
        self.addressesHidden = addressesHidden
    }

    public static func read(path: String = "/proc/kallsyms") throws(SystemError) -> KernelSymbols {
        parse(try ProcFileReader.read(path))
    }

    public static func parse(_ bytes: [UInt8]) -> KernelSymbols {
        var candidates: [SymbolTable.Candidate] = []
        var moduleRanges: [String: (UInt64, UInt64)] = [:]
        var sawNonZero = false
        var lines = 0
        for line in ByteLines(bytes) {
            lines += 1
            let f = ByteLines.fields(line)
            guard f.count >= 3, f[1].count == 1, let address = UInt64(String(decoding: f[0], as: UTF8.self), radix: 16) else { continue }
            if address != 0 { sawNonZero = true }
            // Text symbols only: t/T (functions), w/W (weak, in practice text here).
            switch f[1].first! {
            case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "w"), UInt8(ascii: "W"): break
            default: continue
            }
            guard address != 0 else { continue }
            candidates.append(.init(address: address, size: 0, rank: 0, name: f[2]))
            if f.count >= 4, f[3].first == UInt8(ascii: "[") {
                let name = String(decoding: f[3].dropFirst().prefix { $0 != UInt8(ascii: "]") }, as: UTF8.self)
                let r = moduleRanges[name] ?? (address, address)
                moduleRanges[name] = (min(r.0, address), max(r.1, address))
            }
        }
        let modules = moduleRanges.map { (start: $0.value.0, end: $0.value.1 &+ 1, name: $0.key) }.sorted { $0.start < $1.start }
        return KernelSymbols(symbols: SymbolTable(candidates), modules: modules, addressesHidden: lines > 0 && !sawNonZero)
    }

    /// The function holding a kernel address, or nil.
    public func lookup(_ address: UInt64) -> SymbolTable.Entry? {
        addressesHidden ? nil : symbols.lookup(address)
    }

    /// The module holding a kernel address, or nil for the kernel image itself.
    public func module(of address: UInt64) -> String? {
        modules.last { $0.start <= address }.flatMap { $0.end > address ? $0.name : nil }
    }

    /// Why kernel frames stay unnamed, for the user; nil when they can be named.
    public var hiddenReason: String? {
        guard addressesHidden else { return nil }
        let restrict = FileSystem.readTextIfPresent("/proc/sys/kernel/kptr_restrict")?.trimmingCharacters() ?? "?"
        return "kernel symbol addresses in /proc/kallsyms read as zero (kernel.kptr_restrict=\(restrict)); " +
            "run as root or with CAP_SYSLOG to name kernel frames"
    }
}
