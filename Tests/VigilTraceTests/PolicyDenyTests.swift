import Glibc
import Testing
@testable import VigilTrace
import VigilSystem
import VigilTestSupport

/// `deny` in a policy: parsed with its options, checked like a kill rule, and given a
/// mechanism (or refused with the reason) by PreventionPlan.
@Suite(.ownThread) struct PolicyDenyTests {
    func load(_ rules: String) throws(PolicyError) -> Policy {
        try Policy.parse("""
            sources:
              file: [open]
              process: [exec]
              syscalls:
                names: [unlinkat, execve]
            rules:
            \(rules)
            """, file: "p.yaml")
    }

    @Test func denyIsParsedWithItsErrnoAndBestEffort() throws {
        let p = try load("""
              - name: d
                event: syscall
                syscalls: [unlinkat]
                actions:
                  - deny: {errno: EROFS, best_effort: true}
            """)
        #expect(p.denyRules == [DenyRule(spec: KillSpec(rule: "d", event: .syscall, syscalls: ["unlinkat"]),
                                         action: DenyAction(errno: EROFS, bestEffort: true))])
        #expect(p.killRules.isEmpty)
        #expect(p.rules.first?.writes == true)
    }

    @Test func badDenyOptionsAreRefusedWhereTheyAre() {
        #expect(throws: PolicyError(file: "p.yaml", line: 11, column: 23, reason: "unknown errno 'EWHAT'; expected a name such as EPERM, EACCES or EROFS")) {
            try load("""
                  - name: d
                    event: syscall
                    syscalls: [unlinkat]
                    actions:
                      - deny: {errno: EWHAT}
                """)
        }
        #expect(throws: PolicyError(file: "p.yaml", line: 12, column: 9, reason: "a rule takes kill or deny, not both: a denied call has no result to kill the process for")) {
            try load("""
                  - name: d
                    event: open
                    match: {path: /x}
                    actions:
                      - kill
                      - deny
                """)
        }
        #expect(throws: PolicyError(file: "p.yaml", line: 9, column: 13, reason: "a deny rule can match only comm, uid, pid and path (what the kernel knows at syscall entry); not 'flags'")) {
            try load("""
                  - name: d
                    event: open
                    match: {flags: 0}
                    actions: [deny]
                """)
        }
    }

    func plan(_ p: Policy, command: Bool, fanotify: Bool = true) throws(TraceSetupError) -> PreventionPlan {
        try PreventionPlan(rules: p.denyRules, launchesCommand: command,
                           fanotify: fanotify ? .success(()) : .failure(SystemError("fanotify_init", errno: EPERM)),
                           number: { $0 == "unlinkat" ? 263 : $0 == "execve" ? 59 : nil })
    }

    @Test func eachRuleGetsTheMechanismThatCanEnforceIt() throws {
        let p = try load("""
              - name: files
                event: open
                match: {path: {prefix: /secret/}, comm: cat}
                actions: [deny]
              - name: deletes
                event: syscall
                syscalls: [unlinkat]
                actions: [deny]
            """)
        let both = try plan(p, command: true)
        #expect(both.pathRules == [.init(rule: "files", exec: false, paths: ["/secret/"], prefix: true, comms: ["cat"], uids: [], pids: [])])
        #expect(both.syscallDenials == [.init(rule: "deletes", syscall: "unlinkat", denial: .init(number: 263, errno: EPERM))])
        #expect(both.mechanisms.count == 2)
        #expect(throws: TraceSetupError.self) { try plan(p, command: false) }
        #expect(throws: TraceSetupError.self) { try plan(p, command: true, fanotify: false) }
    }

    @Test func refusalsNameTheReason() throws {
        func reason(_ rules: String, command: Bool = true) throws -> String {
            do {
                _ = try plan(try load(rules), command: command)
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(try reason("""
              - name: r
                event: syscall
                syscalls: [execve]
                actions: [deny]
            """).contains("would stop the command itself"))
        #expect(try reason("""
              - name: r
                event: open
                match: {path: shadow}
                actions: [deny]
            """).contains("'shadow' is relative"))
        let best = try plan(try load("""
              - name: r
                event: syscall
                syscalls: [unlinkat]
                actions:
                  - deny: {best_effort: true}
            """), command: false)
        #expect(best.isEmpty && best.unenforced.map(\.rule) == ["r"])
    }

    @Test func aPathPrefixOnASyscallRuleGoesToLandlock() throws {
        let p = try load("""
              - name: keep
                event: syscall
                syscalls: [unlinkat]
                match: {args.pathname: {prefix: /tmp/}}
                actions: [deny]
            """)
        let landlocked = try plan(p, command: true)
        #expect(landlocked.landlockRules.map(\.directories) == [["/tmp"]] && landlocked.syscallDenials.isEmpty)
        let file = try load("""
              - name: keep
                event: syscall
                syscalls: [unlinkat]
                match: {args.pathname: {prefix: /etc/passwd}}
                actions: [deny]
            """)
        #expect(throws: TraceSetupError.self) { try self.plan(file, command: true) }
    }

    @Test func theExampleDenyPolicyLoads() throws {
        let root = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let p = try Policy.load(path: root + "/examples/policies/deny-secrets.yaml")
        #expect(p.denyRules.map(\.spec.rule) == ["shadow-readers", "no-exec-from-tmp", "no-deletes"])
        let machineWide = try plan(p, command: false)
        #expect(machineWide.pathRules.count == 2 && machineWide.unenforced.map(\.rule) == ["no-deletes"])
    }
}
