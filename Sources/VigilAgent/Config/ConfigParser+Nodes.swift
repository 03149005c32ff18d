import VigilSystem
import Yams

/// Typed reads of Yams nodes. A failure is a ConfigError at the node that is wrong.
/// Numbers and booleans are accepted quoted too: osquery configs in the wild write
/// `"interval": "3600"` and `"snapshot": "true"`, and osquery takes them.
extension ConfigParser {
    struct Entry {
        let key: String
        let keyNode: Node
        let value: Node
    }

    func error(_ reason: String, at node: Node) -> ConfigError {
        error(reason, at: node.mark)
    }

    func error(_ reason: String, at mark: Mark?) -> ConfigError {
        ConfigError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, reason: reason)
    }

    func warn(_ message: String, at node: Node) {
        warnings.append(ConfigWarning(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, message: message))
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

    /// A mapping's entries with any string keys.
    func anyEntries(_ node: Node, in what: String) throws(ConfigError) -> [Entry] {
        if isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping for \(what), found \(describe(node))", at: node)
        }
        var all: [Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let k) = keyNode else { throw error("expected a name as key in \(what), found \(describe(keyNode))", at: keyNode) }
            all.append(Entry(key: k.string, keyNode: keyNode, value: value))
        }
        return all
    }

    /// A mapping's entries; keys outside `known` are skipped with a warning (osquery
    /// packs carry extras), naming a close known key when there is one.
    func entries(_ node: Node, known: [String], in what: String) throws(ConfigError) -> [String: Entry] {
        var out: [String: Entry] = [:]
        for entry in try anyEntries(node, in: what) {
            guard known.contains(entry.key) else {
                let hint = EditDistance.closest(to: entry.key, among: known).map { "; did you mean '\($0)'?" } ?? ""
                warn("unknown key '\(entry.key)' in \(what) is ignored\(hint)", at: entry.keyNode)
                continue
            }
            out[entry.key] = entry
        }
        return out
    }

    /// A scalar's text (quoted or not); not a list, mapping or nothing.
    func string(_ node: Node, for what: String) throws(ConfigError) -> String {
        guard case .scalar(let s) = node, !isNull(node) else {
            throw error("expected a value for \(what), found \(describe(node))", at: node)
        }
        return s.string
    }

    func integer(_ node: Node, for what: String) throws(ConfigError) -> Int {
        let text = try string(node, for: what)
        guard let value = Int(text.trimmingSpaces()) else {
            throw error("expected a whole number for \(what), found '\(text)'", at: node)
        }
        return value
    }

    func integer(_ node: Node, for what: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value = try integer(node, for: what)
        guard range.contains(value) else {
            let upper = range.upperBound == Int.max ? "" : " and at most \(range.upperBound)"
            throw error("\(what) must be at least \(range.lowerBound)\(upper), found \(value)", at: node)
        }
        return value
    }

    func boolean(_ node: Node, for what: String) throws(ConfigError) -> Bool {
        let text = try string(node, for: what)
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error("expected true or false for \(what), found '\(text)'", at: node)
        }
    }

    /// SQL strings from a list (a single string stands for a list of one).
    func queries(_ node: Node, for what: String) throws(ConfigError) -> [String] {
        let items: [Node]
        switch node {
        case .sequence(let seq): items = Array(seq)
        default: items = isNull(node) ? [] : [node]
        }
        var out: [String] = []
        for item in items {
            let sql = try string(item, for: what)
            if sql.allSatisfy(\.isWhitespace) { throw error("\(what) has an empty query", at: item) }
            out.append(sql)
        }
        return out
    }

    /// The root of `text`, YAML syntax errors as ConfigErrors. JSON is YAML's flow style,
    /// so osquery's JSON configs parse here too, with lines and columns.
    func compose(_ text: String) throws(ConfigError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let yaml as YamlError {
            throw convert(yaml, text: text)
        } catch {
            throw ConfigError(file: file, line: 1, column: 1, reason: "cannot read the config: \(error)")
        }
        guard let root, !isNull(root) else {
            throw ConfigError(file: file, line: 1, column: 1, reason: "the config is empty; it needs at least a schedule or packs section")
        }
        return root
    }

    private func convert(_ yaml: YamlError, text: String) -> ConfigError {
        switch yaml {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let detail = context.map { " (\($0.text))" } ?? ""
            return error("invalid YAML or JSON: \(problem)\(detail)", at: mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            return error("duplicate key '\(duplicates.first ?? "")'; each name may appear once", at: context.mark)
        default:
            return ConfigError(file: file, line: 1, column: 1, reason: "invalid YAML or JSON: \(yaml)")
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        let s = drop(while: { $0.isWhitespace })
        return String(s.reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
