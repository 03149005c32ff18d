import Glibc

/// Finds the denial behind an event: a call that failed because a deny rule made it
/// fail, as opposed to one that failed on its own.
public final class DenialMatcher {
    let log: DenialLog
    /// Syscalls the command's seccomp filter refuses: rule and errno.
    let seccomp: [String: (rule: String, errno: Int32)]
    /// Syscalls Landlock refuses beneath directories: rule and directories ("/x/").
    let landlock: [String: (rule: String, directories: [String])]
    /// The command the filter binds; its descendants are bound too.
    let commandPID: UInt32?

    public init(log: DenialLog, plan: PreventionPlan, commandPID: Int32?) {
        self.log = log
        var seccomp: [String: (String, Int32)] = [:]
        for d in plan.syscallDenials { seccomp[d.syscall] = (d.rule, d.denial.errno) }
        self.seccomp = seccomp
        var landlock: [String: (String, [String])] = [:]
        for r in plan.landlockRules { for s in r.syscalls { landlock[s] = (r.rule, r.directories.map { $0 + "/" }) } }
        self.landlock = landlock
        self.commandPID = commandPID.map { UInt32($0) }
    }

    /// The denial of `event`'s call, if a rule refused it. fanotify's are claimed once,
    /// by the thread that made the call; seccomp's hold for every call of a refused
    /// syscall in the command's tree that failed with the rule's errno.
    func denial(for event: TraceEvent, cache: ProcessCache) -> Denial? {
        let ret: Int64, syscall: String?
        switch event {
        case .syscall(let e): (ret, syscall) = (e.ret, e.kind == .syscall ? e.syscall : nil)
        case .process(let p) where p.kind == .exec: (ret, syscall) = (p.ret, nil)
        default: return nil
        }
        guard ret < 0 else { return nil }
        if ret == -Int64(EPERM), let denial = log.claim(tid: Int32(bitPattern: event.header.tid)) { return denial }
        guard let syscall, let root = commandPID else { return nil }
        let denial: Denial
        if let rule = seccomp[syscall], ret == -Int64(rule.errno) {
            denial = Denial(rule: rule.rule, mechanism: "seccomp")
        } else if let rule = landlock[syscall], ret == -Int64(EACCES), case .syscall(let e) = event,
                  let path = e.string("pathname"), rule.directories.contains(where: { path.hasPrefix($0) }) {
            denial = Denial(rule: rule.rule, mechanism: "landlock")
        } else {
            return nil
        }
        let pid = event.header.pid
        guard pid == root || cache.ancestors(of: pid).contains(where: { $0.pid == root }) else { return nil }
        log.count(denial)
        return denial
    }
}
