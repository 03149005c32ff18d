/// A `kill` rule as the kernel enforces it: checked at syscall entry (before the call
/// runs), so it may only use what is known there. Every list is "any of"; an empty list
/// does not constrain; all the non-empty ones must hold.
public struct KillSpec: Sendable, Equatable {
    public enum StringOperator: String, Sendable {
        case equals, prefix
    }

    public var rule: String
    /// `.open` (openat/openat2/open, on the path argument), `.exec` (execve/execveat, on
    /// the filename argument; `comm` is then the caller's, before the exec) or `.syscall`.
    public var event: EventKind
    /// For `.syscall`: which syscalls (the rule's `syscalls:`, else sources.syscalls.names).
    public var syscalls: [String]
    public var comms: [String]
    public var uids: [UInt32]
    public var pids: [Int32]
    /// "path" (open), "filename" (exec) or "args.NAME" (syscall), or nil when the rule has
    /// no string condition.
    public var stringField: String?
    public var stringOperator: StringOperator?
    public var strings: [String]

    public init(rule: String, event: EventKind, syscalls: [String] = [], comms: [String] = [], uids: [UInt32] = [], pids: [Int32] = [],
                stringField: String? = nil, stringOperator: StringOperator? = nil, strings: [String] = []) {
        self.rule = rule
        self.event = event
        self.syscalls = syscalls
        self.comms = comms
        self.uids = uids
        self.pids = pids
        self.stringField = stringField
        self.stringOperator = stringOperator
        self.strings = strings
    }

    /// Why a rule cannot be a kill rule, and what part of it to point at.
    struct Refusal: Error {
        enum Location { case event, condition(Int), action }
        let reason: String
        let location: Location
    }

    static let kinds: [EventKind] = [.open, .exec, .syscall]

    /// The string argument known at entry for each kind.
    static func stringFieldName(_ kind: EventKind) -> String {
        switch kind {
        case .open: "path"
        case .exec: "filename"
        default: "args.NAME"
        }
    }

    /// `action`: "kill" or "deny", both checked on what is known at the call's entry.
    /// A deny rule may have no condition: on a command Vigil starts, it binds that
    /// command alone (PreventionPlan says where a rule needs more).
    init(rule: Rule, sources: PolicySources, action: String = "kill") throws(Refusal) {
        guard Self.kinds.contains(rule.event) else {
            throw Refusal(
                reason: "\(action) works only on events open, exec and syscall, which the kernel checks at syscall entry; "
                    + "not on '\(rule.event.rawValue)'",
                location: .event)
        }
        self.init(rule: rule.name, event: rule.event)
        if event == .syscall { syscalls = rule.syscalls ?? sources.syscalls?.names ?? [] }
        if rule.conditions.isEmpty && action == "kill" {
            throw Refusal(
                reason: "a \(action) rule needs at least one condition (comm, uid, pid or \(Self.stringFieldName(event))); "
                    + "without one it would kill every process that does '\(event.rawValue)'",
                location: .action)
        }
        var matched: Set<String> = []
        for (i, c) in rule.conditions.enumerated() {
            let refuse = { (reason: String) in Refusal(reason: reason, location: .condition(i)) }
            let isString = c.field == Self.stringFieldName(event) || (event == .syscall && c.field.hasPrefix("args."))
            guard ["comm", "uid", "pid"].contains(c.field) || isString else {
                throw refuse("a \(action) rule can match only comm, uid, pid and \(Self.stringFieldName(event)) "
                    + "(what the kernel knows at syscall entry); not '\(c.field)'")
            }
            if matched.contains(c.field) { throw refuse("a \(action) rule takes one condition per field; '\(c.field)' has two") }
            if isString, let other = stringField {
                throw refuse("a \(action) rule matches one string argument; '\(other)' is already matched")
            }
            matched.insert(c.field)
            if isString {
                switch c.op {
                case .equals, .in: stringOperator = .equals
                case .prefix: stringOperator = .prefix
                default: throw refuse("in a \(action) rule, '\(c.field)' takes equals, in or prefix")
                }
                stringField = c.field
                for case .string(let s) in c.values { strings.append(s) }
                continue
            }
            guard c.op == .equals || c.op == .in else { throw refuse("in a \(action) rule, '\(c.field)' takes equals or in") }
            for value in c.values {
                switch (c.field, value) {
                case ("comm", .string(let s)):
                    comms.append(s)
                case ("uid", .integer(let n)):
                    guard let uid = UInt32(exactly: n), uid != .max else { throw refuse("uid must be between 0 and 4294967294, found \(n)") }
                    uids.append(uid)
                case ("pid", .integer(let n)):
                    guard n > 0, let pid = Int32(exactly: n) else { throw refuse("pid must be between 1 and 2147483647, found \(n)") }
                    pids.append(pid)
                default:
                    break  // the parser typed every value like its field
                }
            }
        }
    }
}
