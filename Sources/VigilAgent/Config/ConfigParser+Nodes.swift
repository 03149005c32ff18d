import VigilYAML
import Yams

/// Typed reads of Yams nodes come from `YAMLNodeReader`. A config is forgiving where
/// osquery is: unknown keys are warnings, and numbers and booleans are accepted quoted
/// too, since osquery configs in the wild write `"interval": "3600"` and
/// `"snapshot": "true"`, and osquery takes them. JSON is YAML's flow style, so osquery's
/// JSON configs compose here too, with lines and columns.
extension ConfigParser: YAMLNodeReader {
    typealias Document = ConfigFile
    typealias Integer = Int

    static let wording = YAMLWording(
        empty: "the config is empty; it needs at least a schedule or packs section",
        integer: "a whole number", range: .atLeast,
        invalid: "invalid YAML or JSON", unreadable: "cannot read the config",
        duplicateKeyAdvice: "; each name may appear once", locatesUnreadableText: false
    )

    func integerValue(_ text: String) -> Int? { Int(text.trimmingSpaces()) }

    func warn(_ message: String, at node: Node) {
        warnings.append(ConfigWarning(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, message: message))
    }

    /// A mapping's entries with any string keys; nothing is an empty mapping.
    func anyEntries(_ node: Node, in what: String) throws(ConfigError) -> [Entry] {
        try entries(node, known: nil, in: what).all
    }

    /// A mapping's entries; keys outside `known` are skipped with a warning (osquery
    /// packs carry extras), naming a close known key when there is one.
    func entries(_ node: Node, known: [String]?, in what: String) throws(ConfigError) -> Entries {
        if isNull(node) { return Entries(all: []) }
        return try mappingEntries(node, in: what, keyExpected: "a name as key in \(what)", allowed: known) { e in
            warn("unknown key '\(e.key)' in \(what) is ignored" + (Suggestion.didYouMean(e.key, among: known ?? []) ?? ""), at: e.keyNode)
        }
    }

    /// SQL strings from a list (a single string stands for a list of one).
    func queries(_ node: Node, for what: String) throws(ConfigError) -> [String] {
        var out: [String] = []
        for item in items(node) {
            let sql = try string(item, for: what)
            if sql.allSatisfy(\.isWhitespace) { throw error("\(what) has an empty query", at: item) }
            out.append(sql)
        }
        return out
    }
}

extension String {
    func trimmingSpaces() -> String {
        let s = drop(while: { $0.isWhitespace })
        return String(s.reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
