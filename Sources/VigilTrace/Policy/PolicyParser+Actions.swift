import VigilSystem
import VigilYAML
import Yams

/// A rule's `actions:` list: `log`, `kill`, `alert` (with a severity), `count` (with options).
extension PolicyParser {
    static let actionNames = ["log", "alert", "count", "kill", "deny"]
    static let denyKeys = ["errno", "best_effort"]
    static let alertKeys = ["severity"]
    static let countKeys = ["by", "window", "sum", "min", "max", "avg", "histogram"]
    static let defaultWindow: Int64 = 10_000_000_000
    static let maxWindow: Int64 = 24 * 3600 * 1_000_000_000

    /// The actions, and the `kill` item if there is one (kill errors point at it).
    func parseActions(_ entry: Entry, kind: EventKind) throws(PolicyError) -> ([RuleAction], Node?) {
        let none = "a rule needs at least one action: log, alert, count, kill or deny"
        if isNull(entry.value) { throw error(none, at: entry.keyNode) }
        guard case .sequence(let list) = entry.value else {
            throw error("expected a list of actions, found \(describe(entry.value))", at: entry.value)
        }
        if list.count == 0 { throw error(none, at: entry.value) }
        var actions: [RuleAction] = []
        var seen: [String] = []
        var killNode: Node?
        for item in list {
            let name: String, nameNode: Node, options: Node?
            switch item {
            case .scalar where isNull(item):
                throw error("empty action; expected log, alert, count, kill or deny", at: item)
            case .scalar(let s):
                (name, nameNode, options) = (s.string, item, nil)
            case .mapping(let m) where m.count == 1:
                let (k, v) = m[m.startIndex]
                (name, nameNode, options) = (try string(k, for: "action"), k, isNull(v) ? nil : v)
            case .mapping(let m) where m.count > 1:
                throw error("one action per list item; put each in its own '- ' item", at: m[m.index(after: m.startIndex)].key)
            default:
                throw error("expected an action (log, alert, count, kill or deny), found \(describe(item))", at: item)
            }
            guard Self.actionNames.contains(name) else {
                throw error("unknown action '\(name)'" + Suggestion.hint(for: name, among: Self.actionNames), at: nameNode)
            }
            if seen.contains(name) { throw error("duplicate action '\(name)'", at: nameNode) }
            if (name == "kill" && seen.contains("deny")) || (name == "deny" && seen.contains("kill")) {
                throw error("a rule takes kill or deny, not both: a denied call has no result to kill the process for", at: nameNode)
            }
            seen.append(name)
            switch name {
            case "alert":
                actions.append(.alert(try parseAlert(options)))
            case "count":
                actions.append(.count(try parseCount(options, kind: kind)))
            case "deny":
                actions.append(.deny(try parseDeny(options)))
                killNode = nameNode
            default:
                if let options { throw error("'\(name)' takes no options", at: options) }
                if name == "kill" { killNode = nameNode }
                actions.append(name == "kill" ? .kill : .log)
            }
        }
        return (actions, killNode)
    }

    /// `deny` alone fails the call with EPERM; `deny: {errno: EACCES, best_effort: true}`.
    func parseDeny(_ options: Node?) throws(PolicyError) -> DenyAction {
        var action = DenyAction()
        guard let options else { return action }
        let f = try entries(options, allowed: Self.denyKeys, in: "deny")
        if let e = f["errno"] {
            let name = try string(e.value, for: "errno")
            guard let code = ErrnoName.code(name) else {
                throw error("unknown errno '\(name)'; expected a name such as EPERM, EACCES or EROFS", at: e.value)
            }
            action.errno = code
        }
        if let e = f["best_effort"] { action.bestEffort = try boolean(e.value, for: "best_effort") }
        return action
    }

    /// `alert` alone is medium; `alert: {severity: high}` says how bad.
    func parseAlert(_ options: Node?) throws(PolicyError) -> Severity {
        guard let options else { return .medium }
        let f = try entries(options, allowed: Self.alertKeys, in: "alert")
        guard let e = f["severity"] else { return .medium }
        let text = try string(e.value, for: "severity")
        guard let severity = Severity(rawValue: text) else {
            throw error("unknown severity '\(text)'; expected low, medium, high or critical", at: e.value)
        }
        return severity
    }

    func parseCount(_ options: Node?, kind: EventKind) throws(PolicyError) -> CountSpec {
        var spec = CountSpec(by: [], windowNanoseconds: Self.defaultWindow)
        guard let options else { return spec }
        let f = try entries(options, allowed: Self.countKeys, in: "count")
        for e in f.all {
            switch e.key {
            case "window":
                spec.windowNanoseconds = try window(e.value)
            case "by":
                for (name, node) in try strings(e.value, for: "by") {
                    _ = try fieldType(Entry(key: name, keyNode: node, value: node), kind: kind)
                    spec.by.append(name)
                }
            default:
                var names: [String] = []
                for (name, node) in try strings(e.value, for: e.key) {
                    if let type = try fieldType(Entry(key: name, keyNode: node, value: node), kind: kind), type != .integer {
                        throw error("'\(e.key)' needs an integer field; '\(name)' is \(Self.article(type))", at: node)
                    }
                    names.append(name)
                }
                switch e.key {
                case "sum": spec.sum = names
                case "min": spec.min = names
                case "max": spec.max = names
                case "avg": spec.avg = names
                default: spec.histogram = names
                }
            }
        }
        return spec
    }

    func window(_ node: Node) throws(PolicyError) -> Int64 {
        let text = try string(node, for: "window")
        let ns: Int64
        do { ns = try DurationText.nanoseconds(text) } catch { throw self.error("window: \(error)", at: node) }
        if ns <= 0 { throw error("window must be positive, found \(quoted(text))", at: node) }
        if ns > Self.maxWindow { throw error("window must be at most 24h, found \(quoted(text))", at: node) }
        return ns
    }
}
