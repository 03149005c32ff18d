/// Folded stacks, the input of flamegraph.pl, inferno and speedscope: one line per
/// distinct stack, frames root first separated by ';', a space, the count.
public enum FoldedWriter {
    public static func render(_ stacks: NamedStacks) -> String {
        var out = ""
        for stack in stacks.stacks {
            out += stack.path.map { sanitize(stacks.functions[$0].name) }.joined(separator: ";")
            out += " \(stack.value)\n"
        }
        return out
    }

    /// ';' separates frames and a newline ends the record: neither may appear in a name.
    static func sanitize(_ name: String) -> String {
        guard name.contains(where: { $0 == ";" || $0.isNewline }) else { return name }
        return String(name.map { $0 == ";" ? ":" : ($0.isNewline ? " " : $0) })
    }
}
