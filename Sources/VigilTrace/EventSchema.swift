/// The kinds of events `vigil trace` reports, and the fields each carries. This is
/// the contract behind docs/events.md (a test compares the two) and what policy
/// rules are checked against at load.
public enum EventKind: String, Sendable, CaseIterable, Hashable {
    case exec, fork, exit
    case syscall
    case open, read, write
    case connect, accept, close

    /// The event source that produces this kind.
    public var source: EventSource {
        switch self {
        case .exec, .fork, .exit: return .process
        case .syscall: return .syscalls
        case .open, .read, .write: return .file
        case .connect, .accept, .close: return .network
        }
    }
}

/// Event sources; each can be switched on alone.
public enum EventSource: String, Sendable, CaseIterable, Hashable {
    case process, syscalls, file, network
}

/// How a field's value is typed in JSON and compared in rules.
public enum FieldType: String, Sendable {
    case integer, string, strings, boolean
    /// An IPv4 or IPv6 address, written as text; rules can match it with `cidr`.
    case address
    /// An object of the syscall's arguments, named as in the kernel's tracepoint format.
    case arguments
}

public struct EventField: Sendable, Hashable {
    public let name: String
    public let type: FieldType
    /// May be null (JSON) / absent (rules) for some events.
    public let nullable: Bool

    init(_ name: String, _ type: FieldType, nullable: Bool = false) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// A value of one field, as rules see it.
public enum FieldValue: Sendable, Hashable {
    case integer(Int64)
    case string(String)
    case strings([String])
    case boolean(Bool)
}

/// Anything rules can be evaluated on: a decoded event.
public protocol FieldSource {
    var kind: EventKind { get }
    /// The field's value, or nil when the event has no such field or it is null.
    /// Syscall arguments are addressed as `args.NAME`.
    func field(_ name: String) -> FieldValue?
}

public enum EventSchema {
    /// Fields every event has.
    public static let common: [EventField] = [
        EventField("time", .string), EventField("time_ns", .integer), EventField("event", .string),
        EventField("pid", .integer), EventField("tid", .integer), EventField("ppid", .integer),
        EventField("uid", .integer), EventField("gid", .integer), EventField("cgroup_id", .integer),
        EventField("comm", .string), EventField("exe", .string),
    ]

    /// Fields particular to one kind of event, in output order.
    public static func fields(of kind: EventKind) -> [EventField] {
        switch kind {
        case .exec:
            return [
                EventField("filename", .string), EventField("argv", .strings), EventField("args_truncated", .boolean),
                EventField("ret", .integer), EventField("error", .string, nullable: true),
            ]
        case .fork:
            return [EventField("child_pid", .integer)]
        case .exit:
            return [
                EventField("exit_code", .integer, nullable: true), EventField("signal", .integer, nullable: true),
                EventField("lifetime_ns", .integer),
            ]
        case .syscall:
            return [
                EventField("syscall", .string), EventField("ret", .integer), EventField("error", .string, nullable: true),
                EventField("duration_ns", .integer, nullable: true), EventField("args", .arguments), EventField("truncated", .strings),
                EventField("killed", .boolean),
            ]
        case .open:
            return [
                EventField("syscall", .string), EventField("path", .string), EventField("resolved_path", .string),
                EventField("dirfd", .integer, nullable: true), EventField("flags", .integer), EventField("mode", .integer),
                EventField("ret", .integer), EventField("error", .string, nullable: true), EventField("path_truncated", .boolean),
                EventField("killed", .boolean),
            ]
        case .read, .write:
            return [
                EventField("syscall", .string), EventField("fd", .integer), EventField("path", .string),
                EventField("bytes", .integer), EventField("requested", .integer), EventField("error", .string, nullable: true),
            ]
        case .connect, .accept, .close:
            var fields = [
                EventField("family", .string), EventField("saddr", .address), EventField("sport", .integer),
                EventField("daddr", .address), EventField("dport", .integer),
            ]
            if kind == .connect { fields += [EventField("error", .string, nullable: true)] }
            if kind == .close {
                fields += [
                    EventField("bytes_sent", .integer), EventField("bytes_received", .integer),
                    EventField("duration_ns", .integer),
                ]
            }
            return fields
        }
    }

    /// The field named `name` on events of `kind` (common or particular), if there is one.
    /// Any `args.NAME` is accepted on syscall events: which names exist depends on the syscall.
    public static func field(_ name: String, of kind: EventKind) -> EventField? {
        if kind == .syscall, name.hasPrefix("args."), name.count > 5 { return EventField(name, .integer) }
        return common.first { $0.name == name } ?? fields(of: kind).first { $0.name == name }
    }
}
