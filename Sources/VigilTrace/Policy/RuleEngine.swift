import VigilSystem

/// What the rules say about one event.
public struct Verdict: Sendable, Equatable {
    /// Write the event: a matching rule logs or alerts, or the policy has no rules.
    public var write: Bool
    public var alerts: [Alert]

    public init(write: Bool, alerts: [Alert] = []) {
        self.write = write
        self.alerts = alerts
    }
}

public struct Alert: Sendable, Equatable {
    public var rule: String
    public var severity: Severity

    public init(rule: String, severity: Severity) {
        self.rule = rule
        self.severity = severity
    }
}

/// Evaluates a policy's rules on events in user space. Rules are bucketed by event
/// kind and their conditions compiled once, so an event only meets the rules for its
/// kind. Not thread-safe: one engine per event stream.
public final class RuleEngine {
    struct CompiledRule {
        let name: String
        let matchers: [RuleMatcher]
        let writes: Bool
        let severity: Severity?
        let aggregator: Aggregator?
    }

    /// Indexed by `slot(of:)`.
    private var buckets: [[CompiledRule]]
    private let writeAll: Bool
    private let clock: () -> Int64
    /// The count rules' aggregators, in rule order.
    public let aggregators: [Aggregator]

    /// `clock` gives wall time in nanoseconds since the epoch (injected by tests);
    /// `maxGroups` bounds each count rule's groups per window.
    public init(rules: [Rule], clock: @escaping () -> Int64 = Clock.realtimeNanoseconds, maxGroups: Int = 10_000) {
        self.clock = clock
        writeAll = rules.isEmpty
        buckets = Array(repeating: [], count: EventKind.allCases.count)
        var aggregators: [Aggregator] = []
        for rule in rules {
            var conditions = rule.conditions
            if let names = rule.syscalls {
                conditions.append(Condition(field: "syscall", op: .in, values: names.map { .string($0) }))
            }
            let matchers = conditions.map { c in
                RuleMatcher(c, addressField: EventSchema.field(c.field, of: rule.event)?.type == .address)
            }
            let aggregator = rule.count.map { Aggregator(rule: rule.name, spec: $0, maxGroups: maxGroups) }
            if let aggregator { aggregators.append(aggregator) }
            buckets[Self.slot(of: rule.event)].append(
                CompiledRule(name: rule.name, matchers: matchers, writes: rule.writes, severity: rule.severity, aggregator: aggregator))
        }
        self.aggregators = aggregators
    }

    public convenience init(policy: Policy, clock: @escaping () -> Int64 = Clock.realtimeNanoseconds, maxGroups: Int = 10_000) {
        self.init(rules: policy.rules, clock: clock, maxGroups: maxGroups)
    }

    /// Whether to write `event`, the alerts it raises; feeds the matching count rules.
    public func evaluate(_ event: some FieldSource) -> Verdict {
        if writeAll { return Verdict(write: true) }
        var verdict = Verdict(write: false)
        var now: Int64?
        for rule in buckets[Self.slot(of: event.kind)] where rule.matchers.allSatisfy({ $0.matches(event) }) {
            if rule.writes { verdict.write = true }
            if let severity = rule.severity { verdict.alerts.append(Alert(rule: rule.name, severity: severity)) }
            if let aggregator = rule.aggregator {
                if now == nil { now = clock() }
                aggregator.add(event, now: now!)
            }
        }
        return verdict
    }

    /// JSON lines of the count windows that have ended; call about once a second.
    public func flush() -> [String] {
        flush(now: clock())
    }

    public func flush(now: Int64, final: Bool = false) -> [String] {
        aggregators.flatMap { $0.flush(now: now, final: final) }
    }

    /// At the end of a session: every window, the open ones marked partial.
    public func finish() -> [String] {
        flush(now: clock(), final: true)
    }

    /// An array index per kind, without hashing the enum's raw string per event.
    static func slot(of kind: EventKind) -> Int { kind.index }
}
