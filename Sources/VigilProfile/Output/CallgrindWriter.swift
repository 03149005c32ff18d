/// The callgrind format that kcachegrind and qcachegrind read
/// (valgrind.org/docs/manual/cl-format.html): per function its self cost, and per
/// call edge the inclusive cost of the callee on that path. Costs are samples (or
/// off-CPU nanoseconds); no line numbers are known, so every position is line 0.
/// "calls=" carries the number of samples through the edge: sampling cannot know
/// how many calls were made.
public enum CallgrindWriter {
    public static func render(_ stacks: NamedStacks, command: String = "vigil profile") -> String {
        let n = stacks.functions.count
        var selfCost = [UInt64](repeating: 0, count: n)
        // caller → callee → (samples through the edge, inclusive cost)
        var edges: [Int: [Int: UInt64]] = [:]
        for stack in stacks.stacks {
            if let leaf = stack.path.last { selfCost[leaf] += stack.value }
            // Count each edge once per stack, so recursion does not inflate inclusive cost.
            var seen = Set<[Int]>()
            for (caller, callee) in zip(stack.path, stack.path.dropFirst()) where seen.insert([caller, callee]).inserted {
                edges[caller, default: [:]][callee, default: 0] += stack.value
            }
        }
        let event = stacks.kind == .cpu ? "Samples" : "OffCPUNanoseconds"
        var out = "# callgrind format\nversion: 1\ncreator: vigil\ncmd: \(command)\npositions: line\n"
        out += "events: \(event)\n\n"
        for f in 0..<n where selfCost[f] > 0 || edges[f] != nil {
            let function = stacks.functions[f]
            out += "ob=\(object(function))\nfl=\(object(function))\nfn=\(clean(function.name))\n"
            out += "0 \(selfCost[f])\n"
            for (callee, cost) in (edges[f] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let target = stacks.functions[callee]
                out += "cob=\(object(target))\ncfi=\(object(target))\ncfn=\(clean(target.name))\n"
                out += "calls=\(cost) 0\n0 \(cost)\n"
            }
            out += "\n"
        }
        out += "totals: \(stacks.total)\n"
        return out
    }

    /// Thread-name roots and markers have no binary.
    private static func object(_ f: NamedStacks.Function) -> String { f.file.isEmpty ? "???" : clean(f.file) }

    /// One record per line: a newline inside a name would end it.
    private static func clean(_ s: String) -> String {
        s.contains(where: \.isNewline) ? String(s.map { $0.isNewline ? " " : $0 }) : s
    }
}
