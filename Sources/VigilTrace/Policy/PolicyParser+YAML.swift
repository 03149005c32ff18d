import VigilYAML
import Yams

/// Typed reads of Yams nodes come from `YAMLNodeReader`; a policy refuses unknown keys.
extension PolicyParser: YAMLNodeReader {
    typealias Document = PolicyFile
    typealias Integer = Int64

    static let wording = YAMLWording(empty: "the policy is empty")

    /// A mapping with string keys, each one of `allowed` (else an error naming a close match).
    func entries(_ node: Node, allowed: [String], in what: String) throws(PolicyError) -> Entries {
        try mappingEntries(node, in: what, allowed: allowed) { e throws(PolicyError) in
            throw error("unknown key '\(e.key)'" + Suggestion.hint(for: e.key, among: allowed), at: e.keyNode)
        }
    }

    /// The value of `entry` as checked entries; errors about the value as a whole point at
    /// the key when the value is empty.
    func entries(_ entry: Entry, allowed: [String], in what: String) throws(PolicyError) -> Entries {
        if isNull(entry.value) { throw error("expected a mapping for \(what), found nothing", at: entry.keyNode) }
        return try entries(entry.value, allowed: allowed, in: what)
    }

    /// A mapping's entries with any keys (match conditions: the keys are field names).
    func anyEntries(_ node: Node, in what: String) throws(PolicyError) -> [Entry] {
        try mappingEntries(node, in: what).all
    }
}
