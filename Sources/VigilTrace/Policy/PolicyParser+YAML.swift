import Yams

/// Typed reads of Yams nodes. Every failure becomes a PolicyError at the mark of the
/// node that is wrong, so the message points at the key or value to fix.
extension PolicyParser {
    /// One `key: value` of a mapping whose keys were checked.
    struct Entry {
        let key: String
        let keyNode: Node
        let value: Node
    }

    /// The checked entries of a mapping, by key.
    struct Entries {
        let all: [Entry]
        subscript(_ key: String) -> Entry? { all.first { $0.key == key } }
    }

    func error(_ reason: String, at node: Node) -> PolicyError {
        error(reason, at: node.mark)
    }

    func error(_ reason: String, at mark: Mark?) -> PolicyError {
        PolicyError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, reason: reason)
    }

    /// Where to point for a problem with an entry's value: the value, unless it is
    /// empty (`key:` and nothing), where the key is easier to find.
    func mark(of entry: Entry) -> Mark? {
        isNull(entry.value) ? entry.keyNode.mark : entry.value.mark
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// What a node is, for "expected X, found Y".
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s): return isNull(node) ? "nothing" : "'\(s.string)'"
        }
    }

    /// A mapping with string keys, each one of `allowed` (else an error naming a close match).
    func entries(_ node: Node, allowed: [String], in what: String) throws(PolicyError) -> Entries {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping for \(what), found \(describe(node))", at: node)
        }
        var all: [Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let k) = keyNode else { throw error("expected a key, found \(describe(keyNode))", at: keyNode) }
            guard allowed.contains(k.string) else {
                throw error("unknown key '\(k.string)'" + Suggestion.hint(for: k.string, among: allowed), at: keyNode)
            }
            all.append(Entry(key: k.string, keyNode: keyNode, value: value))
        }
        return Entries(all: all)
    }

    /// The value of `entry` as checked entries; errors about the value as a whole point at
    /// the key when the value is empty.
    func entries(_ entry: Entry, allowed: [String], in what: String) throws(PolicyError) -> Entries {
        if isNull(entry.value) { throw error("expected a mapping for \(what), found nothing", at: entry.keyNode) }
        return try entries(entry.value, allowed: allowed, in: what)
    }

    /// A mapping's entries with any keys (match conditions: the keys are field names).
    func anyEntries(_ node: Node, in what: String) throws(PolicyError) -> [Entry] {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping for \(what), found \(describe(node))", at: node)
        }
        var all: [Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let k) = keyNode else { throw error("expected a key, found \(describe(keyNode))", at: keyNode) }
            all.append(Entry(key: k.string, keyNode: keyNode, value: value))
        }
        return all
    }

    /// A scalar's text (quoted or not); not a list, mapping or nothing.
    func string(_ node: Node, for what: String) throws(PolicyError) -> String {
        guard case .scalar(let s) = node, !isNull(node) else {
            throw error("expected a value for \(what), found \(describe(node))", at: node)
        }
        return s.string
    }

    func integer(_ node: Node, for what: String) throws(PolicyError) -> Int64 {
        let text = try string(node, for: what)
        guard let value = Int64(text) else { throw error("expected an integer for \(what), found '\(text)'", at: node) }
        return value
    }

    func integer(_ node: Node, for what: String, in range: ClosedRange<Int64>) throws(PolicyError) -> Int64 {
        let value = try integer(node, for: what)
        guard range.contains(value) else {
            throw error("\(what) must be between \(range.lowerBound) and \(range.upperBound), found \(value)", at: node)
        }
        return value
    }

    func boolean(_ node: Node, for what: String) throws(PolicyError) -> Bool {
        let text = try string(node, for: what)
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error("expected true or false for \(what), found '\(text)'", at: node)
        }
    }

    /// A list's items; a single value stands for a list of one, since `by: comm` and
    /// `by: [comm]` mean the same to a reader.
    func items(_ node: Node) -> [Node] {
        switch node {
        case .sequence(let seq): return Array(seq)
        default: return isNull(node) ? [] : [node]
        }
    }

    /// Strings from a list (or a single value), none listed twice, at least one.
    func strings(_ node: Node, for what: String) throws(PolicyError) -> [(String, Node)] {
        let list = items(node)
        if list.isEmpty { throw error("\(what) needs at least one value", at: node) }
        var out: [(String, Node)] = []
        for item in list {
            let s = try string(item, for: what)
            if out.contains(where: { $0.0 == s }) { throw error("'\(s)' is listed twice in \(what)", at: item) }
            out.append((s, item))
        }
        return out
    }

    /// The root node of `text`, with YAML syntax errors turned into PolicyErrors.
    func compose(_ text: String) throws(PolicyError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let yaml as YamlError {
            throw convert(yaml, text: text)
        } catch {
            throw PolicyError(file: file, line: 1, column: 1, reason: "invalid YAML: \(error)")
        }
        guard let root, !isNull(root) else { throw PolicyError(file: file, line: 1, column: 1, reason: "the policy is empty") }
        return root
    }

    private func convert(_ yaml: YamlError, text: String) -> PolicyError {
        func syntax(_ problem: String, _ context: YamlError.Context?, _ mark: Mark) -> PolicyError {
            let detail = context.map { " (\($0.text))" } ?? ""
            return error("invalid YAML: \(problem)\(detail)", at: mark)
        }
        switch yaml {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            return syntax(problem, context, mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams reports the first occurrence of the key.
            return error("duplicate key '\(duplicates.first ?? "")'", at: context.mark)
        case let .reader(problem, offset, _, _):
            let (line, column) = offset.map { Self.position(ofUTF8Offset: $0, in: text) } ?? (1, 1)
            return PolicyError(file: file, line: line, column: column, reason: "invalid YAML: \(problem)")
        default:
            return PolicyError(file: file, line: 1, column: 1, reason: "invalid YAML: \(yaml)")
        }
    }

    /// Line and column (1-based, in Unicode scalars like libyaml) of a byte offset.
    static func position(ofUTF8Offset offset: Int, in text: String) -> (Int, Int) {
        var line = 1, lineStart = 0
        let bytes = Array(text.utf8.prefix(offset))
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { line += 1; lineStart = i + 1 }
        return (line, String(decoding: bytes[lineStart...], as: UTF8.self).unicodeScalars.count + 1)
    }
}
