/// How to step from one frame to its caller at a given address, compiled from the
/// binary's call frame information (x86-64): where the CFA is, where the caller's
/// rbp was saved, whether this is the outermost frame. One sorted table per file,
/// built once and cached by file: the "stack deltas" of the otel design.
struct UnwindRule: Equatable {
    enum CFABase: UInt8 { case sp, bp, unsupported }
    var cfaBase: CFABase
    var cfaOffset: Int32
    /// Offset from the CFA where the caller's rbp is saved; nil: rbp is unchanged.
    var bpOffset: Int32?
    /// The return address is undefined: the thread's outermost frame (_start, clone).
    var outermost: Bool
    /// Offset from the CFA of the return address (-8 on x86-64).
    var returnAddressOffset: Int32

    static let unsupported = UnwindRule(cfaBase: .unsupported, cfaOffset: 0, bpOffset: nil, outermost: false, returnAddressOffset: -8)
}

struct UnwindTable {
    struct Entry {
        /// First ELF virtual address the rule applies to.
        var address: UInt64
        var rule: UnwindRule?  // nil: no information here (a gap between functions)
    }

    private(set) var entries: [Entry] = []

    init(rows: [(start: UInt64, end: UInt64, rule: UnwindRule)]) {
        // Rows come per FDE in address order within it; FDEs in any order.
        let sorted = rows.sorted { $0.start < $1.start }
        var out: [Entry] = []
        out.reserveCapacity(sorted.count + sorted.count / 4)
        for (i, row) in sorted.enumerated() where row.end > row.start {
            out.append(Entry(address: row.start, rule: row.rule))
            let next = i + 1 < sorted.count ? sorted[i + 1].start : UInt64.max
            if next > row.end { out.append(Entry(address: row.end, rule: nil)) }
        }
        // An entry with the rule of the one before it adds nothing.
        for e in out where entries.last.map({ $0.rule != e.rule }) ?? true { entries.append(e) }
    }

    var count: Int { entries.count }

    /// The rule for `address`, if the binary describes it.
    func rule(at address: UInt64) -> UnwindRule? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : entries[lo - 1].rule
    }
}
