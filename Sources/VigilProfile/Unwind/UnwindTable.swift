/// How to step from one frame to its caller at a given address, compiled from the
/// binary's call frame information (x86-64): where the CFA is, where the caller's
/// rbp was saved, whether this is the outermost frame. One sorted table per file,
/// built once and cached by file: the "stack deltas" of the otel design.
struct UnwindRule: Hashable {
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

/// The rules of one binary as a sorted table: 6 bytes per change of rule (a 32-bit
/// offset and a 16-bit index into the binary's few distinct rules). A compiler's
/// 200 MB binary has over a million rows, and 32-byte rows would hold 50 MB.
struct UnwindTable {
    private var base: UInt64 = 0
    /// Where each entry starts, from `base`.
    private var offsets: [UInt32] = []
    /// The rule from there on: an index into `rules`, or `none` (a gap between functions).
    private var ruleIndexes: [UInt16] = []
    private var rules: [UnwindRule] = []
    private static let none = UInt16.max

    /// Rows as the call frame information yields them: per FDE in address order,
    /// FDEs in any order. Linkers sort them, so rows in order go straight into the
    /// table (no array of rows for a compiler's 2.6 million); rows out of order
    /// switch to collecting the rest and sorting at the end.
    struct Builder {
        fileprivate var table = UnwindTable()
        /// The row before the latest, not yet written: its end depends on the next start.
        private var pending: (start: UInt64, end: UInt64, rule: UInt16)?
        /// Rows out of order (and after), sorted and merged in `UnwindTable.init`.
        fileprivate(set) var starts: [UInt64] = []
        fileprivate var lengths: [UInt32] = []
        fileprivate var ruleIndexes: [UInt16] = []
        private(set) var unsorted = false
        private var known: [UnwindRule: UInt16] = [:]

        /// `expectedRows`: a guess to reserve for (untouched capacity costs no memory).
        init(expectedRows: Int = 0) {
            table.offsets.reserveCapacity(expectedRows)
            table.ruleIndexes.reserveCapacity(expectedRows)
        }

        mutating func add(start: UInt64, end: UInt64, rule: UnwindRule) {
            guard end > start else { return }
            let r = index(of: rule)
            if unsorted {
                collect(start, end, r)
                return
            }
            guard let p = pending else {
                table.base = start
                pending = (start, end, r)
                return
            }
            if start < p.start {
                // Out of order: from here on collect, and merge what was written.
                unsorted = true
                table.append(p.start, UnwindTable.none)  // ends the last entry written
                collect(p.start, p.end, p.rule)
                collect(start, end, r)
                pending = nil
                return
            }
            table.append(p.start, p.rule)
            if start > p.end { table.append(p.end, UnwindTable.none) }
            pending = (start, end, r)
        }

        fileprivate mutating func finishPending() {
            guard let p = pending else { return }
            table.append(p.start, p.rule)
            table.append(p.end, UnwindTable.none)
            pending = nil
        }

        private mutating func collect(_ start: UInt64, _ end: UInt64, _ rule: UInt16) {
            starts.append(start)
            lengths.append(UInt32(clamping: end - start))
            ruleIndexes.append(rule)
        }

        private mutating func index(of rule: UnwindRule) -> UInt16 {
            if let i = known[rule] { return i }
            // Past 65,534 distinct rules (never seen in practice) say "unsupported", not a wrong rule.
            guard table.rules.count < Int(UnwindTable.none) - 1 else { return index(of: .unsupported) }
            let i = UInt16(table.rules.count)
            table.rules.append(rule)
            known[rule] = i
            return i
        }

        var isEmpty: Bool { pending == nil && table.offsets.isEmpty && starts.isEmpty }
    }

    init() {}

    init(_ builder: Builder) {
        var b = builder
        b.finishPending()
        guard b.unsorted else {
            self = b.table
            return
        }
        // Rows out of order: the entries written so far become rows again, joined with
        // the collected ones and sorted.
        let written = b.table
        for i in written.offsets.indices where written.ruleIndexes[i] != Self.none {
            let start = written.base + UInt64(written.offsets[i])
            guard i + 1 < written.offsets.count else { break }  // (never: the last entry written is a gap)
            let end = written.base + UInt64(written.offsets[i + 1])
            b.starts.append(start)
            b.lengths.append(UInt32(clamping: end - start))
            b.ruleIndexes.append(written.ruleIndexes[i])
        }
        rules = written.rules
        let order = (0..<UInt32(b.starts.count)).sorted { b.starts[Int($0)] < b.starts[Int($1)] }
        guard let first = order.first else { return }
        base = b.starts[Int(first)]
        let n = order.count
        for k in 0..<n {
            let i = Int(order[k])
            let start = b.starts[i], end = start + UInt64(b.lengths[i])
            append(start, b.ruleIndexes[i])
            let next = k + 1 < n ? b.starts[Int(order[k + 1])] : UInt64.max
            if next > end { append(end, Self.none) }
        }
    }

    private mutating func append(_ address: UInt64, _ rule: UInt16) {
        // An entry with the rule of the one before it adds nothing.
        guard ruleIndexes.last != rule, address >= base, address - base <= UInt64(UInt32.max) else { return }
        if let last = offsets.last, UInt32(address - base) == last {
            ruleIndexes[ruleIndexes.count - 1] = rule  // overlapping FDEs: the later one wins
            return
        }
        offsets.append(UInt32(address - base))
        ruleIndexes.append(rule)
    }

    var count: Int { offsets.count }

    /// Bytes held, for the unwinder's cache limit.
    var byteCount: Int { offsets.count * 6 + rules.count * MemoryLayout<UnwindRule>.stride }

    /// The rule for `address`, if the binary describes it.
    func rule(at address: UInt64) -> UnwindRule? {
        guard address >= base, !offsets.isEmpty else { return nil }
        let target = UInt32(clamping: address - base)
        var lo = 0, hi = offsets.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if offsets[mid] <= target { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let r = ruleIndexes[lo - 1]
        return r == Self.none ? nil : rules[Int(r)]
    }
}
