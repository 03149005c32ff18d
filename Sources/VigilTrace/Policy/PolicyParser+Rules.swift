import VigilYAML
import Yams

/// `rules:` and each rule's `match:`.
extension PolicyParser {
    static let ruleKeys = ["name", "event", "match", "actions", "syscalls"]

    func parseRules(_ entry: Entry, sources: PolicySources) throws(PolicyError) -> ([Rule], [KillSpec], [DenyRule]) {
        if isNull(entry.value) { return ([], [], []) }
        guard case .sequence(let list) = entry.value else {
            throw error("expected a list of rules, found \(describe(entry.value))", at: entry.value)
        }
        var rules: [Rule] = []
        var kills: [KillSpec] = []
        var denials: [DenyRule] = []
        var firstSeen: [String: Mark] = [:]
        for item in list {
            if isNull(item) { throw error("empty rule; a rule needs name, event and actions", at: item) }
            let (rule, nameNode, kill) = try parseRule(item, sources: sources)
            if let first = firstSeen[rule.name] {
                throw error("duplicate rule name '\(rule.name)' (first at line \(first.line))", at: nameNode)
            }
            if let mark = nameNode.mark { firstSeen[rule.name] = mark }
            rules.append(rule)
            if let kill, let deny = rule.deny {
                denials.append(DenyRule(spec: kill, action: deny))
            } else if let kill {
                kills.append(kill)
            }
        }
        return (rules, kills, denials)
    }

    /// The rule, its name's node, and its entry-time spec when it kills or denies.
    func parseRule(_ node: Node, sources: PolicySources) throws(PolicyError) -> (Rule, Node, KillSpec?) {
        let f = try entries(node, allowed: Self.ruleKeys, in: "a rule")
        guard let nameEntry = f["name"] else { throw error("a rule needs a 'name'", at: node) }
        let name = try string(nameEntry.value, for: "name")
        if name.isEmpty { throw error("a rule's name must not be empty", at: nameEntry.value) }

        guard let eventEntry = f["event"] else { throw error("rule '\(name)' needs an 'event'", at: node) }
        let eventName = try string(eventEntry.value, for: "event")
        guard let kind = EventKind(rawValue: eventName) else {
            throw error("unknown event '\(eventName)'" + Suggestion.hint(for: eventName, among: EventKind.allCases.map(\.rawValue)), at: eventEntry.value)
        }
        if !sources.events.contains(kind) {
            let fix = kind == .syscall
                ? "add sources.syscalls with the syscall names" : "add it to sources.\(kind.source.rawValue)"
            throw error("event '\(eventName)' is not traced; \(fix)", at: eventEntry.value)
        }

        var syscalls: [String]?
        if let e = f["syscalls"] {
            guard kind == .syscall else { throw error("'syscalls' is only for rules on event syscall", at: e.keyNode) }
            let traced = sources.syscalls?.names ?? []
            syscalls = []
            for (s, item) in try strings(e.value, for: "syscalls") {
                guard traced.contains(s) else {
                    throw error("syscall '\(s)' is not traced; add it to sources.syscalls.names", at: item)
                }
                syscalls?.append(s)
            }
        }

        var conditions: [(Condition, Node)] = []
        if let e = f["match"], !isNull(e.value) {
            for field in try anyEntries(e.value, in: "match") {
                for c in try parseConditions(field, kind: kind) { conditions.append((c, field.keyNode)) }
            }
        }

        guard let actionsEntry = f["actions"] else { throw error("rule '\(name)' needs 'actions'", at: node) }
        let (actions, killNode) = try parseActions(actionsEntry, kind: kind)

        let rule = Rule(name: name, event: kind, conditions: conditions.map(\.0), actions: actions, syscalls: syscalls)
        var kill: KillSpec?
        if let killNode {
            do {
                kill = try KillSpec(rule: rule, sources: sources, action: rule.deny == nil ? "kill" : "deny")
            } catch {
                let at: Node
                switch error.location {
                case .event: at = eventEntry.value
                case .condition(let i): at = conditions[i].1
                case .action: at = killNode
                }
                throw self.error(error.reason, at: at)
            }
        }
        return (rule, nameEntry.value, kill)
    }

    // MARK: match

    /// How a field's values are typed at load; nil for `args.NAME`, whose type is
    /// only known at run time.
    func fieldType(_ entry: Entry, kind: EventKind) throws(PolicyError) -> FieldType? {
        let name = entry.key
        if kind == .syscall, name.hasPrefix("args."), name.count > 5 { return nil }
        guard let field = EventSchema.field(name, of: kind) else {
            let names = (EventSchema.common + EventSchema.fields(of: kind)).map(\.name)
            let hint = Suggestion.didYouMean(name, among: names)
                ?? (kind == .syscall ? "; syscall arguments are args.NAME" : "; see docs/events.md")
            throw error("unknown field '\(name)' for \(kind.rawValue) events" + hint, at: entry.keyNode)
        }
        if field.type == .arguments {
            throw error("field '\(name)' is an object; use one argument, as 'args.NAME'", at: entry.keyNode)
        }
        return field.type
    }

    /// `field: value` (equals), `field: [a, b]` (in) or `field: {op: value, …}` (each must hold).
    func parseConditions(_ entry: Entry, kind: EventKind) throws(PolicyError) -> [Condition] {
        let type = try fieldType(entry, kind: kind)
        let field = entry.key
        switch entry.value {
        case .scalar where isNull(entry.value):
            throw error("condition on '\(field)' has no value", at: entry.keyNode)
        case .scalar, .alias:
            return [try condition(field, type, .equals, entry.value)]
        case .sequence:
            return [try condition(field, type, .in, entry.value)]
        case .mapping(let ops):
            if ops.count == 0 { throw error("condition on '\(field)' has no operator", at: entry.value) }
            var out: [Condition] = []
            for (opNode, value) in ops {
                let opName = (try? string(opNode, for: "operator")) ?? describe(opNode)
                guard let op = MatchOperator(rawValue: opName) else {
                    throw error("unknown operator '\(opName)'" + Suggestion.hint(for: opName, among: MatchOperator.allCases.map(\.rawValue)), at: opNode)
                }
                try check(op, on: field, type, at: opNode)
                out.append(try condition(field, type, op, value))
            }
            return out
        }
    }

    static func article(_ type: FieldType) -> String {
        switch type {
        case .integer: "an integer"
        case .string: "a string"
        case .strings: "a list of strings"
        case .boolean: "a boolean"
        case .address: "an address"
        case .arguments: "an object"
        }
    }

    /// Refuses an operator the field's type cannot support, before looking at values.
    func check(_ op: MatchOperator, on field: String, _ type: FieldType?, at node: Node) throws(PolicyError) {
        guard let type else { return }  // args.NAME: compared by its run-time type
        let what = "'\(field)' is \(Self.article(type))"
        switch op {
        case .equals, .ne, .in:
            return
        case .prefix:
            if type != .string && type != .strings {
                throw error("operator 'prefix' needs a string field; \(what)" + (type == .address ? "; use 'cidr'" : ""), at: node)
            }
        case .cidr:
            if type != .address { throw error("operator 'cidr' needs an address field (saddr, daddr); \(what)", at: node) }
        case .gt, .ge, .lt, .le:
            if type != .integer { throw error("operator '\(op.rawValue)' needs an integer field; \(what)", at: node) }
        }
    }

    func condition(_ field: String, _ type: FieldType?, _ op: MatchOperator, _ node: Node) throws(PolicyError) -> Condition {
        let values: [Node]
        switch op {
        case .equals, .ne, .gt, .ge, .lt, .le:
            if case .sequence = node {
                throw error("operator '\(op.rawValue)' takes one value; use 'in' for several", at: node)
            }
            values = [node]
        case .in, .prefix, .cidr:
            values = items(node)
            if values.isEmpty { throw error("'\(op.rawValue)' on '\(field)' needs at least one value", at: node) }
        }
        var literals: [Literal] = []
        for v in values {
            let literal = try self.literal(v, field: field, type, op)
            if literals.contains(literal) { throw error("\(describe(v)) is listed twice", at: v) }
            literals.append(literal)
        }
        return Condition(field: field, op: op, values: literals)
    }

    /// One value, typed like the field it is compared with.
    func literal(_ node: Node, field: String, _ type: FieldType?, _ op: MatchOperator) throws(PolicyError) -> Literal {
        let what = "'\(field)'"
        if case .cidr = op {
            let text = try string(node, for: what)
            switch IPNetwork.parse(text) {
            case .success: return .string(text)
            case .failure(let problem): throw error(problem.message(text), at: node)
            }
        }
        guard let type else {
            // args.NAME: order needs integers; the rest keep the text and compare either way.
            switch op {
            case .gt, .ge, .lt, .le: return .integer(try integer(node, for: what))
            default: return .string(try string(node, for: what))
            }
        }
        switch type {
        case .integer:
            return .integer(try integer(node, for: what))
        case .boolean:
            return .boolean(try boolean(node, for: what))
        case .address:
            let text = try string(node, for: what)
            guard IPAddress(text) != nil else { throw error("'\(text)' is not an IP address", at: node) }
            return .string(text)
        case .string, .strings, .arguments:
            let text = try string(node, for: what)
            if field == "comm" { try checkComm(text, at: node) }
            return .string(text)
        }
    }
}
