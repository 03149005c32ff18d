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

    /// Reads kallsyms in chunks, never whole: it is over 5 MB of text, and a capture
    /// reads it at its end, when its memory use peaks. With `needed` (the kernel
    /// addresses a profile holds) only the symbols that name one of them are kept.
    public static func read(path: String = "/proc/kallsyms", needed: [UInt64]? = nil) throws(SystemError) -> KernelSymbols {
        var parser = KallsymsParser(needed: needed)
        try ProcFileReader.forEachLines(path) { parser.feed($0) }
        return parser.finish()
    }

    /// The same, from bytes already read (tests).
    public static func parse(_ bytes: [UInt8], needed: [UInt64]? = nil) -> KernelSymbols {
        var parser = KallsymsParser(needed: needed)
        bytes.withUnsafeBytes { parser.feed($0) }
        return parser.finish()
    }

    static func hexValue(_ c: UInt8) -> UInt64? {
        switch c {
        case 0x30...0x39: return UInt64(c - 0x30)
        case 0x61...0x66: return UInt64(c - 0x61 + 10)
        case 0x41...0x46: return UInt64(c - 0x41 + 10)
        default: return nil
        }
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
