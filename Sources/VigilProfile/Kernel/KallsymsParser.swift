/// Parses /proc/kallsyms ("ADDRESS TYPE NAME[\t[MODULE]]") fed in chunks of whole
/// lines, with no allocation per line.
///
/// Given the addresses a profile needs, it keeps only the symbols that name one of
/// them. kallsyms lists each region in address order, so when a symbol is followed
/// by a higher one, the addresses it can name are exactly those in between: keep it
/// only if a needed address falls there. Where the order breaks (a module's run
/// after the kernel's) the symbol is kept, which is always correct. The kept set
/// names every needed address as the whole table would.
struct KallsymsParser {
    private let needed: [UInt64]?
    private var builder: SymbolTable.Builder
    /// Symbols at the latest address, not yet known to be needed (aliases share it).
    private var pendingAddress: UInt64?
    /// Their names, one after another (reused: no allocation per line).
    private var pendingNames: [UInt8] = []
    private var pendingLengths: [Int] = []
    private var moduleRanges: [String: (UInt64, UInt64)] = [:]
    private var lastModuleBytes: [UInt8] = []
    private var lastModule = ""
    private var sawNonZero = false
    private var lines = 0

    init(needed: [UInt64]?) {
        self.needed = needed.map { Array(Set($0)).sorted() }
        builder = SymbolTable.Builder(reservingCapacity: needed == nil ? 131_072 : 0)
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        var i = 0
        while i < n {
            var end = i
            while end < n && bytes[end] != 0x0a { end += 1 }
            defer { i = end + 1 }
            if end > i { line(UnsafeRawBufferPointer(rebasing: bytes[i..<end])) }
        }
    }

    private mutating func line(_ bytes: UnsafeRawBufferPointer) {
        lines += 1
        let end = bytes.count
        var p = 0
        var address: UInt64 = 0
        while p < end, let v = KernelSymbols.hexValue(bytes[p]) {
            address = address << 4 | v
            p += 1
        }
        guard p > 0, p + 3 < end, bytes[p] == 0x20, bytes[p + 2] == 0x20 else { return }
        if address != 0 { sawNonZero = true }
        // Text symbols only: t/T (functions), w/W (weak, in practice text here).
        switch bytes[p + 1] {
        case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "w"), UInt8(ascii: "W"): break
        default: return
        }
        guard address != 0 else { return }
        let nameStart = p + 3
        var nameEnd = nameStart
        while nameEnd < end && bytes[nameEnd] != 0x09 && bytes[nameEnd] != 0x20 { nameEnd += 1 }
        let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd])
        if needed == nil {
            builder.add(address: address, size: 0, rank: 0, name: name)
        } else {
            symbol(address: address, name: name)
        }
        var m = nameEnd
        while m < end && (bytes[m] == 0x09 || bytes[m] == 0x20) { m += 1 }
        guard m < end, bytes[m] == UInt8(ascii: "[") else { return }
        var moduleEnd = m + 1
        while moduleEnd < end && bytes[moduleEnd] != UInt8(ascii: "]") { moduleEnd += 1 }
        let moduleBytes = UnsafeRawBufferPointer(rebasing: bytes[(m + 1)..<moduleEnd])
        // Module symbols come in runs: make the name's String once per run.
        if !moduleBytes.elementsEqual(lastModuleBytes) {
            lastModuleBytes = Array(moduleBytes)
            lastModule = String(decoding: moduleBytes, as: UTF8.self)
        }
        let r = moduleRanges[lastModule] ?? (address, address)
        moduleRanges[lastModule] = (min(r.0, address), max(r.1, address))
    }

    /// The filtered path: decide on the pending symbols now that the next one is known.
    private mutating func symbol(address: UInt64, name: UnsafeRawBufferPointer) {
        if let current = pendingAddress, address != current {
            // In order: the pending symbols name [current, address). Out of order: unknown, keep.
            keepPending(if: address < current || anyNeeded(from: current, below: address))
        }
        pendingAddress = address
        pendingNames.append(contentsOf: name)
        pendingLengths.append(name.count)
    }

    private mutating func keepPending(if keep: Bool) {
        if keep, let address = pendingAddress {
            var start = 0
            for length in pendingLengths {
                builder.add(address: address, size: 0, rank: 0, name: pendingNames[start..<(start + length)])
                start += length
            }
        }
        pendingAddress = nil
        pendingNames.removeAll(keepingCapacity: true)
        pendingLengths.removeAll(keepingCapacity: true)
    }

    /// Whether a needed address lies in [low, high).
    private func anyNeeded(from low: UInt64, below high: UInt64) -> Bool {
        guard let needed else { return true }
        var lo = 0, hi = needed.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if needed[mid] < low { lo = mid + 1 } else { hi = mid }
        }
        return lo < needed.count && needed[lo] < high
    }

    mutating func finish() -> KernelSymbols {
        if let current = pendingAddress { keepPending(if: anyNeeded(from: current, below: .max)) }
        let modules = moduleRanges.map { (start: $0.value.0, end: $0.value.1 &+ 1, name: $0.key) }.sorted { $0.start < $1.start }
        return KernelSymbols(symbols: builder.build(), modules: modules, addressesHidden: lines > 0 && !sawNonZero)
    }
}
