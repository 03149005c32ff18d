import Glibc
import VigilSystem

/// A `vigil trace --policy FILE`: which events to trace, kernel filters, and rules with
/// their actions. Checked against `EventSchema` when loaded, so that a policy that loads
/// never fails later for a reason that was visible in the file.
public struct Policy: Sendable {
    public var sources: PolicySources
    public var filters: PolicyFilters
    public var rules: [Rule]
    /// The rules with a `kill` action, reduced to what the kernel checks at syscall entry.
    public var killRules: [KillSpec]
    /// The rules with a `deny` action, checked like kill rules (what is known at the
    /// call's entry); which mechanism enforces each is chosen at load (PreventionPlan).
    public var denyRules: [DenyRule] = []

    /// Reads and checks the policy at `path` (at most 1 MiB).
    public static func load(path: String) throws(PolicyError) -> Policy {
        let text: String
        do {
            text = try RegularFile.readText(path, limit: 1 << 20)
        } catch {
            throw PolicyError(file: path, line: 1, column: 1, reason: "cannot read the policy: \(error)")
        }
        return try parse(text, file: path)
    }

    /// Checks the policy `text`; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(PolicyError) -> Policy {
        try PolicyParser(file: file).parse(text)
    }
}

/// The events a policy turns on.
public struct PolicySources: Sendable, Equatable {
    /// Every event kind that is on (the syscall kind when `syscalls` is set).
    public var events: Set<EventKind>
    /// The syscalls to trace, when the syscalls source is on.
    public var syscalls: SyscallCapture?

    public init(events: Set<EventKind>, syscalls: SyscallCapture? = nil) {
        self.events = events
        self.syscalls = syscalls
    }

    /// The sources with at least one event on.
    public var enabled: Set<EventSource> { Set(events.map(\.source)) }

    /// Without a `sources` key a policy traces what `vigil trace` traces by default.
    public static let `default` = PolicySources(events: [.exec, .fork, .exit])
}

/// `sources.syscalls`: which syscalls, and how much of their arguments to copy.
public struct SyscallCapture: Sendable, Equatable {
    /// Names as the kernel spells them (checked against the running kernel at attach).
    public var names: [String]
    /// Bytes captured per string argument (1...4096).
    public var stringSize: Int
    /// Bytes captured per buffer argument (0...4096; 0 = none).
    public var bufferSize: Int
    /// Time each call from entry to exit (`duration_ns`). Costs an entry hook per call;
    /// on whenever a rule looks at `duration_ns`.
    public var durations: Bool

    public init(names: [String], stringSize: Int = 256, bufferSize: Int = 0, durations: Bool = false) {
        self.names = names
        self.stringSize = stringSize
        self.bufferSize = bufferSize
        self.durations = durations
    }
}

/// Kernel-side filters; every one given must hold.
public struct PolicyFilters: Sendable, Equatable {
    public var pids: [Int32] = []
    /// Add children of traced pids to the filter at fork.
    public var follow = true
    public var cgroup: String?
    public var comm: String?
    public var uid: UInt32?
    public var exe: String?
    public init() {}
}

/// One rule: on events of one kind whose fields satisfy every condition, do the actions.
public struct Rule: Sendable, Equatable {
    public var name: String
    public var event: EventKind
    public var conditions: [Condition]
    public var actions: [RuleAction]
    /// `syscalls:` on a syscall rule: only these syscalls (a subset of sources.syscalls.names).
    public var syscalls: [String]?

    public init(name: String, event: EventKind, conditions: [Condition], actions: [RuleAction], syscalls: [String]? = nil) {
        self.name = name
        self.event = event
        self.conditions = conditions
        self.actions = actions
        self.syscalls = syscalls
    }

    public var severity: Severity? {
        for case .alert(let s) in actions { return s }
        return nil
    }
    /// A matching event is written when the rule logs or alerts.
    public var writes: Bool {
        actions.contains { action in
            switch action {
            case .log, .alert: true
            case .deny: true  // a refused call is always reported
            case .count, .kill: false
            }
        }
    }
    public var count: CountSpec? {
        for case .count(let c) in actions { return c }
        return nil
    }
    public var kills: Bool { actions.contains(.kill) }
    public var deny: DenyAction? {
        for case .deny(let d) in actions { return d }
        return nil
    }

    /// Whether a condition or the count action reads `field`.
    func uses(_ field: String) -> Bool {
        if conditions.contains(where: { $0.field == field }) { return true }
        guard let c = count else { return false }
        return [c.by, c.sum, c.min, c.max, c.avg, c.histogram].contains { $0.contains(field) }
    }
}

/// One test on one field: `path: {prefix: /etc/}` is `Condition(field: "path", op: .prefix, values: ["/etc/"])`.
public struct Condition: Sendable, Hashable {
    public var field: String
    public var op: MatchOperator
    /// One value for equals, ne and the comparisons; one or more for in, prefix and cidr
    /// (any may match). Typed like the field: integers for integer fields, strings for
    /// string and address fields (cidr values are validated CIDR text), booleans for
    /// boolean fields; on `args.NAME` strings, except integers for gt/ge/lt/le.
    public var values: [Literal]

    public init(field: String, op: MatchOperator, values: [Literal]) {
        self.field = field
        self.op = op
        self.values = values
    }
}

public enum MatchOperator: String, Sendable, CaseIterable, Hashable {
    case equals, ne, `in`, prefix, cidr, gt, ge, lt, le
}

public enum Literal: Sendable, Hashable {
    case integer(Int64)
    case string(String)
    case boolean(Bool)
}

public enum RuleAction: Sendable, Equatable {
    /// Write the event.
    case log
    /// Write the event and raise an alert.
    case alert(Severity)
    /// Aggregate instead of writing each event.
    case count(CountSpec)
    /// Kill the process in the kernel, at syscall entry (see `KillSpec`).
    case kill
    case deny(DenyAction)
}

/// `deny`: the call fails with `errno` before it has any effect. A best-effort rule
/// that no mechanism here can enforce is loaded anyway (and said so) instead of refused.
public struct DenyAction: Sendable, Equatable {
    public var errno: Int32
    public var bestEffort: Bool

    public init(errno: Int32 = EPERM, bestEffort: Bool = false) {
        self.errno = errno
        self.bestEffort = bestEffort
    }
}

/// A rule with a `deny` action: its entry-time conditions and the action's options.
public struct DenyRule: Sendable, Equatable {
    public var spec: KillSpec
    public var action: DenyAction

    public init(spec: KillSpec, action: DenyAction) {
        self.spec = spec
        self.action = action
    }
}

public enum Severity: String, Sendable, CaseIterable, Comparable {
    case low, medium, high, critical

    public static func < (a: Severity, b: Severity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// `count:` on a rule: group the matching events by fields over tumbling windows.
public struct CountSpec: Sendable, Equatable {
    public var by: [String]
    public var windowNanoseconds: Int64
    /// Integer fields to sum, take the minimum, maximum, mean or log2 histogram of.
    public var sum: [String] = []
    public var min: [String] = []
    public var max: [String] = []
    public var avg: [String] = []
    public var histogram: [String] = []

    public init(by: [String], windowNanoseconds: Int64) {
        self.by = by
        self.windowNanoseconds = windowNanoseconds
    }
}
