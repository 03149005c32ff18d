import Testing
@testable import VigilTrace
import VigilTestSupport

/// Kill rules: only what the kernel knows at syscall entry.
@Suite(.ownThread) struct PolicyKillSpecTests {
    static let sources = """
        sources:
          process: [exec, exit]
          file: [open, read]
          syscalls:
            names: [unlinkat, renameat2, openat]

        """

    /// A policy with one rule named k: `event` and `match` (a flow mapping).
    func policy(_ event: String, _ match: String, extra: String = "") throws(PolicyError) -> Policy {
        try Policy.parse(Self.sources + "rules:\n  - name: k\n    event: \(event)\n\(extra)    match: \(match)\n    actions: [log, kill]\n", file: "k.yaml")
    }

    func refusal(_ event: String, _ match: String, extra: String = "") -> String? {
        do {
            _ = try policy(event, match, extra: extra)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func open() throws {
        let p = try policy("open", "{comm: {in: [cat, less]}, uid: [0, 1000], pid: 42, path: {prefix: [/etc/shadow, /root/]}}")
        #expect(p.killRules == [
            KillSpec(rule: "k", event: .open, comms: ["cat", "less"], uids: [0, 1000], pids: [42], stringField: "path",
                     stringOperator: .prefix, strings: ["/etc/shadow", "/root/"]),
        ])
        // The rule is also an ordinary rule for the events that do arrive.
        #expect(p.rules.map(\.name) == ["k"])
    }

    @Test func execWithEqualsAndIn() throws {
        #expect(try policy("exec", "{filename: /usr/bin/nc}").killRules == [
            KillSpec(rule: "k", event: .exec, stringField: "filename", stringOperator: .equals, strings: ["/usr/bin/nc"]),
        ])
        #expect(try policy("exec", "{filename: {in: [/bin/nc, /usr/bin/nc]}, uid: 33}").killRules == [
            KillSpec(rule: "k", event: .exec, uids: [33], stringField: "filename", stringOperator: .equals, strings: ["/bin/nc", "/usr/bin/nc"]),
        ])
        #expect(try policy("exec", "{comm: apache2}").killRules == [KillSpec(rule: "k", event: .exec, comms: ["apache2"])])
    }

    @Test func syscallNames() throws {
        // From the rule's syscalls: key …
        #expect(try policy("syscall", "{args.pathname: {prefix: /var/log/}}", extra: "    syscalls: [unlinkat]\n").killRules == [
            KillSpec(rule: "k", event: .syscall, syscalls: ["unlinkat"], stringField: "args.pathname", stringOperator: .prefix, strings: ["/var/log/"]),
        ])
        // … else every traced syscall. A number written for a string argument stays text.
        #expect(try policy("syscall", "{comm: rm, args.oldname: 123}").killRules == [
            KillSpec(rule: "k", event: .syscall, syscalls: ["unlinkat", "renameat2", "openat"], comms: ["rm"],
                     stringField: "args.oldname", stringOperator: .equals, strings: ["123"]),
        ])
    }

    @Test func refusals() {
        let pre = "k.yaml:"
        #expect(refusal("read", "{comm: cat}")
            == pre + "8:12: kill works only on events open, exec and syscall, which the kernel checks at syscall entry; not on 'read'")
        #expect(refusal("exit", "{comm: cat}")
            == pre + "8:12: kill works only on events open, exec and syscall, which the kernel checks at syscall entry; not on 'exit'")
        #expect(refusal("open", "{comm: cat, flags: 0}")
            == pre + "9:24: a kill rule can match only comm, uid, pid and path (what the kernel knows at syscall entry); not 'flags'")
        #expect(refusal("exec", "{path: /x}")
            == pre + "9:13: unknown field 'path' for exec events; see docs/events.md")
        #expect(refusal("exec", "{argv: nc}")
            == pre + "9:13: a kill rule can match only comm, uid, pid and filename (what the kernel knows at syscall entry); not 'argv'")
        #expect(refusal("open", "{comm: {ne: cat}}")
            == pre + "9:13: in a kill rule, 'comm' takes equals or in")
        #expect(refusal("open", "{comm: {prefix: ca}}")
            == pre + "9:13: in a kill rule, 'comm' takes equals or in")
        #expect(refusal("open", "{uid: {gt: 999}}")
            == pre + "9:13: in a kill rule, 'uid' takes equals or in")
        #expect(refusal("open", "{path: {ne: /etc/shadow}}")
            == pre + "9:13: in a kill rule, 'path' takes equals, in or prefix")
        #expect(refusal("open", "{path: {prefix: /etc/, in: [/root/x]}}")
            == pre + "9:13: a kill rule takes one condition per field; 'path' has two")
        #expect(refusal("syscall", "{args.pathname: /a, args.oldname: /b}")
            == pre + "9:32: a kill rule matches one string argument; 'args.pathname' is already matched")
        #expect(refusal("syscall", "{args.flag: {gt: 0}}")
            == pre + "9:13: in a kill rule, 'args.flag' takes equals, in or prefix")
        #expect(refusal("syscall", "{syscall: unlinkat}")
            == pre + "9:13: a kill rule can match only comm, uid, pid and args.NAME (what the kernel knows at syscall entry); not 'syscall'")
        #expect(refusal("open", "{pid: -1}")
            == pre + "9:13: pid must be between 1 and 2147483647, found -1")
        #expect(refusal("open", "{uid: 4294967295}")
            == pre + "9:13: uid must be between 0 and 4294967294, found 4294967295")
        #expect(refusal("open", "{}")
            == pre + "10:20: a kill rule needs at least one condition (comm, uid, pid or path); without one it would kill every process that does 'open'")
    }
}
