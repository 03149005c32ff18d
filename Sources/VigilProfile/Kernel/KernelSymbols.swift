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

    /// One pass over the bytes with no allocation per line: kallsyms has some 200,000
    /// lines, and this runs at the start of every capture.
    public static func parse(_ bytes: [UInt8]) -> KernelSymbols {
        var candidates: [SymbolTable.Candidate] = []
        candidates.reserveCapacity(bytes.count / 48)
        var moduleRanges: [String: (UInt64, UInt64)] = [:]
        var lastModuleBytes: ArraySlice<UInt8> = []
        var lastModule = ""
        var sawNonZero = false
        var lines = 0
        let n = bytes.count
        var i = 0
        while i < n {
            var end = i
            while end < n && bytes[end] != 0x0a { end += 1 }
            defer { i = end + 1 }
            lines += 1
            // "ADDRESS TYPE NAME[\t[MODULE]]"
            var p = i
            var address: UInt64 = 0
            while p < end, let v = hexValue(bytes[p]) {
                address = address << 4 | v
                p += 1
            }
            guard p > i, p + 3 < end, bytes[p] == 0x20, bytes[p + 2] == 0x20 else { continue }
            if address != 0 { sawNonZero = true }
            // Text symbols only: t/T (functions), w/W (weak, in practice text here).
            switch bytes[p + 1] {
            case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "w"), UInt8(ascii: "W"): break
            default: continue
            }
            guard address != 0 else { continue }
            let nameStart = p + 3
            var nameEnd = nameStart
            while nameEnd < end && bytes[nameEnd] != 0x09 && bytes[nameEnd] != 0x20 { nameEnd += 1 }
            candidates.append(.init(address: address, size: 0, rank: 0, name: bytes[nameStart..<nameEnd]))
            var m = nameEnd
            while m < end && (bytes[m] == 0x09 || bytes[m] == 0x20) { m += 1 }
            guard m < end, bytes[m] == UInt8(ascii: "[") else { continue }
            var moduleEnd = m + 1
            while moduleEnd < end && bytes[moduleEnd] != UInt8(ascii: "]") { moduleEnd += 1 }
            let moduleBytes = bytes[(m + 1)..<moduleEnd]
            // Module symbols come in runs: make the name's String once per run.
            if moduleBytes != lastModuleBytes {
                lastModuleBytes = moduleBytes
                lastModule = String(decoding: moduleBytes, as: UTF8.self)
            }
            let r = moduleRanges[lastModule] ?? (address, address)
            moduleRanges[lastModule] = (min(r.0, address), max(r.1, address))
        }
        let modules = moduleRanges.map { (start: $0.value.0, end: $0.value.1 &+ 1, name: $0.key) }.sorted { $0.start < $1.start }
        return KernelSymbols(symbols: SymbolTable(candidates), modules: modules, addressesHidden: lines > 0 && !sawNonZero)
    }

    private static func hexValue(_ c: UInt8) -> UInt64? {
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
