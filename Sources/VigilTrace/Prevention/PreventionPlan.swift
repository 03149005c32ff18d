import Glibc
import VigilSystem

/// Which mechanism makes each `deny` rule's call fail, chosen at load from what this
/// kernel and this run offer; a rule none can enforce is refused with the reason
/// (or, marked best-effort, loaded and listed as not enforced).
///
/// - open and exec rules on paths: fanotify permission events (FAN_OPEN_PERM,
///   FAN_OPEN_EXEC_PERM), machine-wide; the kernel waits for Vigil's answer.
/// - syscall rules, on a command Vigil starts: a seccomp filter installed in the
///   command before its exec (SECCOMP_RET_ERRNO), binding it and all it starts;
///   those on a path prefix (unlink, rmdir, mkdir beneath a directory): Landlock.
/// - BPF LSM programs would serve both, but are used only where a probe loads one;
///   this kernel refuses them (`vigil doctor`).
public struct PreventionPlan: Sendable {
    /// An open or exec rule as fanotify enforces it, on the file's absolute path.
    public struct PathRule: Sendable, Equatable {
        public var rule: String
        public var exec: Bool
        public var paths: [String]
        public var prefix: Bool
        public var comms: [String]
        public var uids: [UInt32]
        public var pids: [Int32]
    }

    /// A syscall the seccomp filter refuses, and the rule that asked.
    public struct SyscallDenial: Sendable, Equatable {
        public var rule: String
        public var syscall: String
        public var denial: SeccompProgram.Denial
    }

    /// A syscall rule on a directory, as Landlock enforces it for the started command.
    public struct LandlockRule: Sendable, Equatable {
        public var rule: String
        public var syscalls: [String]
        public var access: UInt64
        public var directories: [String]
    }

    /// The Landlock rights each syscall needs on the directory it changes.
    static let landlockAccess: [String: UInt64] = [
        "unlinkat": LandlockRuleset.removeFile | LandlockRuleset.removeDirectory,
        "unlink": LandlockRuleset.removeFile, "rmdir": LandlockRuleset.removeDirectory,
        "mkdir": LandlockRuleset.makeDirectory, "mkdirat": LandlockRuleset.makeDirectory,
    ]

    public var pathRules: [PathRule] = []
    public var landlockRules: [LandlockRule] = []
    public var syscallDenials: [SyscallDenial] = []
    /// Best-effort rules no mechanism here enforces, with the reason.
    public var unenforced: [(rule: String, reason: String)] = []

    public var isEmpty: Bool { pathRules.isEmpty && syscallDenials.isEmpty && landlockRules.isEmpty }

    /// The mechanisms in use, for the summary and `vigil doctor`.
    public var mechanisms: [String] {
        var out: [String] = []
        if !pathRules.isEmpty { out.append("fanotify permission events (open, exec; machine-wide)") }
        if !syscallDenials.isEmpty { out.append("seccomp filter (syscalls; the command Vigil started)") }
        if !landlockRules.isEmpty { out.append("Landlock (syscalls beneath directories, EACCES; the command Vigil started)") }
        return out
    }

    /// The ruleset for the started command: the rules' rights refused beneath their
    /// directories (and, as Landlock only grants, in those directories' ancestors' own entries).
    public func landlock() throws(SystemError) -> LandlockRuleset? {
        guard !landlockRules.isEmpty else { return nil }
        let access = landlockRules.reduce(UInt64(0)) { $0 | $1.access }
        return try LandlockRuleset.refusing(access, beneath: landlockRules.flatMap(\.directories))
    }

    public var seccomp: SeccompProgram? {
        syscallDenials.isEmpty ? nil : SeccompProgram(denying: syscallDenials.map(\.denial))
    }

    /// No deny rules.
    public init() {}

    /// `launchesCommand`: `vigil trace … -- COMMAND`; `fanotify`: whether permission
    /// events are available; `number`: a syscall's number on this architecture.
    public init(rules: [DenyRule], launchesCommand: Bool, fanotify: Result<Void, SystemError>,
                number: (String) -> Int32?) throws(TraceSetupError) {
        for rule in rules {
            let refusal: String?
            switch rule.spec.event {
            case .open, .exec: refusal = pathRule(rule, fanotify: fanotify)
            case .syscall: refusal = syscallRule(rule, launchesCommand: launchesCommand, number: number)
            default: refusal = "no mechanism denies '\(rule.spec.event.rawValue)' events"
            }
            guard let refusal else { continue }
            if !rule.action.bestEffort {
                throw .invalid("deny rule '\(rule.spec.rule)' cannot be enforced here: \(refusal); "
                    + "mark it `deny: {best_effort: true}` to load it anyway, reported but not enforced")
            }
            unenforced.append((rule.spec.rule, refusal))
        }
    }

    /// nil when fanotify takes the rule, else why it cannot.
    mutating func pathRule(_ rule: DenyRule, fanotify: Result<Void, SystemError>) -> String? {
        let spec = rule.spec
        let field = spec.event == .exec ? "filename" : "path"
        if case .failure(let error) = fanotify {
            return "\(spec.event.rawValue) rules are enforced by fanotify permission events, which are not available: \(error)"
        }
        if rule.action.errno != EPERM {
            return "fanotify makes a refused \(spec.event.rawValue) fail with EPERM only; drop `errno` or use EPERM"
        }
        guard spec.stringField != nil, !spec.strings.isEmpty else {
            return "fanotify watches files by place, so the rule needs a `\(field)` condition (equals, in or prefix)"
        }
        if let relative = spec.strings.first(where: { !$0.hasPrefix("/") }) {
            return "fanotify sees the absolute path of the file opened; '\(relative)' is relative"
        }
        pathRules.append(PathRule(rule: spec.rule, exec: spec.event == .exec, paths: spec.strings, prefix: spec.stringOperator == .prefix,
                                  comms: spec.comms, uids: spec.uids, pids: spec.pids))
        return nil
    }

    /// nil when the seccomp filter takes the rule, else why it cannot.
    mutating func syscallRule(_ rule: DenyRule, launchesCommand: Bool, number: (String) -> Int32?) -> String? {
        let spec = rule.spec
        guard launchesCommand else {
            return "syscall rules are enforced by a seccomp filter, which binds only a command Vigil starts "
                + "(`vigil trace --policy FILE -- COMMAND`)"
        }
        if spec.comms.isEmpty && spec.uids.isEmpty && spec.pids.isEmpty && spec.stringField != nil {
            return landlockRule(rule)
        }
        if !spec.comms.isEmpty || !spec.uids.isEmpty || !spec.pids.isEmpty || spec.stringField != nil {
            return "a seccomp filter checks the syscall's number, not comm, uid, pid or strings; on a command Vigil starts "
                + "the rule needs no condition (it applies to the command and everything it starts)"
        }
        if spec.syscalls.isEmpty { return "the rule names no syscall; add `syscalls: [NAME]`" }
        var denials: [SyscallDenial] = []
        for name in spec.syscalls {
            if name == "execve" || name == "execveat" {
                return "refusing \(name) to the command would stop the command itself from starting; use a rule on event exec"
            }
            guard let n = number(name) else { return "no syscall number for '\(name)' on this architecture" }
            denials.append(SyscallDenial(rule: spec.rule, syscall: name, denial: .init(number: n, errno: rule.action.errno)))
        }
        syscallDenials += denials
        return nil
    }

    /// nil when Landlock takes the rule (a path prefix that is a directory, on syscalls
    /// that change a directory), else why it cannot.
    mutating func landlockRule(_ rule: DenyRule) -> String? {
        let spec = rule.spec
        let why = "Landlock refuses directory changes beneath a directory: the rule needs `args.pathname: {prefix: /DIR/}` "
            + "on \(Self.landlockAccess.keys.sorted().joined(separator: ", ")) and no other condition"
        guard spec.stringField == "args.pathname", spec.stringOperator == .prefix, !spec.syscalls.isEmpty else { return why }
        var access: UInt64 = 0
        for name in spec.syscalls {
            guard let a = Self.landlockAccess[name] else { return why + "; not \(name)" }
            access |= a
        }
        if rule.action.errno != EPERM && rule.action.errno != EACCES {
            return "Landlock makes a refused call fail with EACCES only; drop `errno` or use EACCES"
        }
        for directory in spec.strings {
            var info = stat()
            guard directory.hasPrefix("/"), directory.hasSuffix("/"), stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                return "Landlock protects directories: '\(directory)' must be an existing directory written with a final '/'"
            }
        }
        landlockRules.append(LandlockRule(rule: spec.rule, syscalls: spec.syscalls, access: access,
                                          directories: spec.strings.map { String($0.dropLast()) }))
        return nil
    }
}
