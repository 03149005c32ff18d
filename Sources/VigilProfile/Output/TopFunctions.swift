/// Functions ranked by self time (samples where the function is the leaf) with
/// their total time (samples where it is anywhere on the stack, counted once per
/// stack however deep the recursion).
public struct TopFunctions: Sendable {
    public struct Row: Sendable, Equatable {
        public let function: NamedStacks.Function
        public let selfValue: UInt64
        public let totalValue: UInt64
    }

    public let rows: [Row]
    public let total: UInt64
    public let kind: SampleKind

    /// Computed without the comm root frames: a thread name is not a function.
    public init(_ symbolized: SymbolizedProfile, kind: SampleKind = .cpu) {
        let stacks = NamedStacks(symbolized, kind: kind, processRoot: false)
        var selfValues = [UInt64](repeating: 0, count: stacks.functions.count)
        var totals = [UInt64](repeating: 0, count: stacks.functions.count)
        for stack in stacks.stacks {
            if let leaf = stack.path.last { selfValues[leaf] += stack.value }
            for f in Set(stack.path) { totals[f] += stack.value }
        }
        rows = stacks.functions.indices
            .map { Row(function: stacks.functions[$0], selfValue: selfValues[$0], totalValue: totals[$0]) }
            .filter { $0.totalValue > 0 }
            .sorted { ($0.selfValue, $0.totalValue, $1.function.name) > ($1.selfValue, $1.totalValue, $0.function.name) }
        total = stacks.total
        self.kind = kind
    }

    /// A text table of the first `limit` rows: self %, self, total %, total, function.
    public func render(limit: Int = 20) -> String {
        var out = kind == .cpu
            ? "top functions by self time (\(total) samples)\n"
            : "top functions by time waited off the CPU (\(display(total)) ms)\n"
        let unit = kind == .cpu ? "" : " ms"
        out += pad("self%", 7) + pad("self" + unit, 12) + pad("total%", 8) + pad("total" + unit, 12) + "  function\n"
        for row in rows.prefix(limit) {
            out += pad(percent(row.selfValue), 7) + pad(display(row.selfValue), 12)
            out += pad(percent(row.totalValue), 8) + pad(display(row.totalValue), 12)
            out += "  " + row.function.name + "\n"
        }
        return out
    }

    /// Samples as they are; off-CPU nanoseconds as milliseconds with one decimal.
    private func display(_ v: UInt64) -> String {
        guard kind == .offCPU else { return String(v) }
        let tenths = (v + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    private func percent(_ v: UInt64) -> String {
        guard total > 0 else { return "0.0%" }
        let tenths = (v * 1000 + total / 2) / total
        return "\(tenths / 10).\(tenths % 10)%"
    }

    private func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }
}
