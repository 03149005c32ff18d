import VigilSystem
import Testing
@testable import VigilTrace
import VigilTestSupport

/// Every message documented in docs/policy.md, at the line and column it must point at.
@Suite(.ownThread) struct PolicyErrorTests {
    /// A rule on `event` with `body` (indented under the rule) after `sources`.
    static func rule(_ body: String, event: String = "open", sources: String = "  file: [open, read]\n  network: [connect]\n  process: [exec]\n") -> String {
        "sources:\n" + sources + "rules:\n  - name: r\n    event: \(event)\n" + body
    }

    static let cases: [(String, String)] = [
        // YAML itself
        ("rules: [\n", "2:1: invalid YAML: did not find expected node content (while parsing a flow node)"),
        ("a: b: c\n", "1:5: invalid YAML: mapping values are not allowed in this context"),
        ("", "1:1: the policy is empty"),
        ("sources:\n  process: [exec]\nsources:\n  file: [open]\n", "1:1: duplicate key 'sources'"),
        ("- a\n", "1:1: expected a mapping for the policy, found a list"),
        ("? [a, b]\n: 1\n", "1:3: expected a key, found a list"),
        ("rules: []\nx: \u{1}\n", "2:4: invalid YAML: control characters are not allowed"),
        // unknown keys
        ("sources:\n  process: [exec]\nrule: []\n", "3:1: unknown key 'rule'; did you mean 'rules'?"),
        ("banana: 1\n", "1:1: unknown key 'banana'; expected one of: sources, filters, rules"),
        (rule("    matchs: {}\n    actions: [log]\n"), "8:5: unknown key 'matchs'; did you mean 'match'?"),
        ("sources:\n  procss: [exec]\n", "2:3: unknown key 'procss'; did you mean 'process'?"),
        ("filters:\n  pid: [1]\n", "2:3: unknown key 'pid'; did you mean 'pids'?"),
        // sources
        ("sources:\n", "1:1: expected a mapping for sources, found nothing"),
        ("sources: {}\n", "1:10: sources enables no events"),
        ("sources:\n  process: []\n", "2:12: sources.process lists no events; expected some of: exec, fork, exit"),
        ("sources:\n  process: [exec, opn]\n", "2:19: unknown event 'opn' in sources.process; did you mean 'open'?"),
        ("sources:\n  process: [exec, open]\n", "2:19: 'open' is not a process event; list it under sources.file"),
        ("sources:\n  process: [exec, exec]\n", "2:19: 'exec' is listed twice in sources.process"),
        ("sources:\n  syscalls:\n    string_size: 8\n", "2:3: sources.syscalls needs 'names', the syscalls to trace"),
        ("sources:\n  syscalls:\n    names: [openat, Open]\n", "3:21: 'Open' is not a syscall name (lowercase letters, digits and _)"),
        ("sources:\n  syscalls:\n    names: [openat]\n    string_size: 0\n", "4:18: string_size must be between 1 and 4096, found 0"),
        ("sources:\n  syscalls:\n    names: [openat]\n    buffer_size: 5000\n", "4:18: buffer_size must be between 0 and 4096, found 5000"),
        // filters
        ("filters:\n  comm: a-very-long-name-indeed\n", "2:9: comm must be 1 to 15 bytes (the kernel keeps 15); 'a-very-long-name-indeed' is 23"),
        ("filters:\n  uid: root\n", "2:8: expected an integer for uid, found 'root'"),
        ("filters:\n  uid: -1\n", "2:8: uid must be between 0 and 4294967294, found -1"),
        ("filters:\n  pids: [1, 0]\n", "2:13: pid must be between 1 and 2147483647, found 0"),
        ("filters:\n  follow: maybe\n", "2:11: expected true or false for follow, found 'maybe'"),
        ("filters:\n  exe: curl\n", "2:8: exe must be an absolute path like /usr/bin/curl, found 'curl'"),
        ("filters:\n  cgroup: [a]\n", "2:11: expected a value for cgroup, found a list"),
        ("filters:\n  pids: []\n", "2:9: pids needs at least one value"),
        // rules
        ("rules: {}\n", "1:8: expected a list of rules, found a mapping"),
        ("rules:\n  - x\n", "2:5: expected a mapping for a rule, found 'x'"),
        ("rules:\n  -\n  - name: x\n", "2:4: empty rule; a rule needs name, event and actions"),
        ("rules:\n  - event: exec\n    actions: [log]\n", "2:5: a rule needs a 'name'"),
        ("rules:\n  - name: a\n    actions: [log]\n", "2:5: rule 'a' needs an 'event'"),
        ("rules:\n  - name: a\n    event: exec\n", "2:5: rule 'a' needs 'actions'"),
        ("rules:\n  - name: \"\"\n", "2:11: a rule's name must not be empty"),
        ("rules:\n  - {name: a, event: exec, actions: [log]}\n  - {name: a, event: fork, actions: [log]}\n",
         "3:12: duplicate rule name 'a' (first at line 2)"),
        ("rules:\n  - name: a\n    event: exce\n    actions: [log]\n", "3:12: unknown event 'exce'; did you mean 'exec'?"),
        (rule("    actions: [log]\n", event: "write"), "7:12: event 'write' is not traced; add it to sources.file"),
        (rule("    actions: [log]\n", event: "syscall"), "7:12: event 'syscall' is not traced; add sources.syscalls with the syscall names"),
        (rule("    syscalls: [openat]\n    actions: [log]\n"), "8:5: 'syscalls' is only for rules on event syscall"),
        ("sources:\n  syscalls: {names: [openat]}\nrules:\n  - name: r\n    event: syscall\n    syscalls: [openat, close]\n    actions: [log]\n",
         "6:24: syscall 'close' is not traced; add it to sources.syscalls.names"),
        // match
        (rule("    match:\n      pth: /etc\n    actions: [log]\n"), "9:7: unknown field 'pth' for open events; did you mean 'path'?"),
        (rule("    match:\n      banana: 1\n    actions: [log]\n"), "9:7: unknown field 'banana' for open events; see docs/events.md"),
        (rule("    match:\n      args: 1\n    actions: [log]\n", event: "syscall", sources: "  syscalls: {names: [openat]}\n"),
         "7:7: field 'args' is an object; use one argument, as 'args.NAME'"),
        (rule("    match:\n      path:\n    actions: [log]\n"), "9:7: condition on 'path' has no value"),
        (rule("    match:\n      path: {}\n    actions: [log]\n"), "9:13: condition on 'path' has no operator"),
        (rule("    match:\n      path: {prefx: /etc}\n    actions: [log]\n"), "9:14: unknown operator 'prefx'; did you mean 'prefix'?"),
        (rule("    match:\n      uid: {prefix: 1}\n    actions: [log]\n"), "9:13: operator 'prefix' needs a string field; 'uid' is an integer"),
        (rule("    match:\n      daddr: {prefix: 10.}\n    actions: [log]\n", event: "connect"),
         "9:15: operator 'prefix' needs a string field; 'daddr' is an address; use 'cidr'"),
        (rule("    match:\n      path: {cidr: 10.0.0.0/8}\n    actions: [log]\n"),
         "9:14: operator 'cidr' needs an address field (saddr, daddr); 'path' is a string"),
        (rule("    match:\n      path: {gt: 3}\n    actions: [log]\n"), "9:14: operator 'gt' needs an integer field; 'path' is a string"),
        (rule("    match:\n      daddr: {cidr: 10.0.0.0/33}\n    actions: [log]\n", event: "connect"),
         "9:21: '10.0.0.0/33' is not a CIDR (like 10.0.0.0/8 or fd00::/8)"),
        (rule("    match:\n      daddr: {cidr: [\"fd00::/129\"]}\n    actions: [log]\n", event: "connect"),
         "9:22: 'fd00::/129' is not a CIDR (like 10.0.0.0/8 or fd00::/8)"),
        (rule("    match:\n      daddr: {cidr: 10.1.2.3/8}\n    actions: [log]\n", event: "connect"),
         "9:21: '10.1.2.3/8' has host bits set; did you mean '10.0.0.0/8'?"),
        (rule("    match:\n      daddr: 10.0.0.300\n    actions: [log]\n", event: "connect"), "9:14: '10.0.0.300' is not an IP address"),
        (rule("    match:\n      uid: root\n    actions: [log]\n"), "9:12: expected an integer for 'uid', found 'root'"),
        (rule("    match:\n      comm: {equals: [a, b]}\n    actions: [log]\n"), "9:22: operator 'equals' takes one value; use 'in' for several"),
        (rule("    match:\n      comm: {in: []}\n    actions: [log]\n"), "9:18: 'in' on 'comm' needs at least one value"),
        (rule("    match:\n      comm: [a, a]\n    actions: [log]\n"), "9:17: 'a' is listed twice"),
        (rule("    match:\n      comm: this-name-is-too-long\n    actions: [log]\n"),
         "9:13: comm must be 1 to 15 bytes (the kernel keeps 15); 'this-name-is-too-long' is 21"),
        (rule("    match:\n      args_truncated: yes\n    actions: [log]\n", event: "exec"),
         "9:23: expected true or false for 'args_truncated', found 'yes'"),
        (rule("    match:\n      args.fd: {gt: x}\n    actions: [log]\n", event: "syscall", sources: "  syscalls: {names: [read]}\n"),
         "7:21: expected an integer for 'args.fd', found 'x'"),
        // actions
        (rule("    actions:\n"), "8:5: a rule needs at least one action: log, alert, count, kill or deny"),
        (rule("    actions: []\n"), "8:14: a rule needs at least one action: log, alert, count, kill or deny"),
        (rule("    actions: log\n"), "8:14: expected a list of actions, found 'log'"),
        (rule("    actions:\n      -\n"), "9:8: empty action; expected log, alert, count, kill or deny"),
        (rule("    actions: [alrt]\n"), "8:15: unknown action 'alrt'; did you mean 'alert'?"),
        (rule("    actions: [[log]]\n"), "8:15: expected an action (log, alert, count, kill or deny), found a list"),
        (rule("    actions: [log, log]\n"), "8:20: duplicate action 'log'"),
        (rule("    actions:\n      - log: yes\n"), "9:14: 'log' takes no options"),
        (rule("    actions:\n      - {alert: {severity: high}, log: ~}\n"), "9:35: one action per list item; put each in its own '- ' item"),
        (rule("    actions:\n      - alert: {severity: hgh}\n"), "9:27: unknown severity 'hgh'; expected low, medium, high or critical"),
        (rule("    actions:\n      - alert: {level: high}\n"), "9:17: unknown key 'level'; expected one of: severity"),
        (rule("    actions:\n      - count: {window: -5s}\n"), "9:25: window: cannot read duration '-5s': a duration cannot be negative; write it like 500ms, 10s, 2m30s or 1h (a plain number is seconds)"),
        (rule("    actions:\n      - count: {window: 0s}\n"), "9:25: window must be positive, found '0s'"),
        (rule("    actions:\n      - count: {window: 10x}\n"), "9:25: window: cannot read duration '10x': unknown unit 'x' (use h, m, s or ms); write it like 500ms, 10s, 2m30s or 1h (a plain number is seconds)"),
        (rule("    actions:\n      - count: {window: 30s2m}\n"), "9:25: window: cannot read duration '30s2m': 'm' comes twice or after a smaller unit; write the largest unit first, each once (2m30s); write it like 500ms, 10s, 2m30s or 1h (a plain number is seconds)"),
        (rule("    actions:\n      - count: {window: 25h}\n"), "9:25: window must be at most 24h, found '25h'"),
        (rule("    actions:\n      - count: {by: [comm, pth]}\n"), "9:28: unknown field 'pth' for open events; did you mean 'path'?"),
        (rule("    actions:\n      - count: {sum: path}\n"), "9:22: 'sum' needs an integer field; 'path' is a string"),
        (rule("    actions:\n      - count: {by: [comm, comm]}\n"), "9:28: 'comm' is listed twice in by"),
        (rule("    actions:\n      - count: {windw: 1s}\n"), "9:17: unknown key 'windw'; did you mean 'window'?"),
    ]

    @Test(arguments: cases)
    func message(yaml: String, expected: String) {
        do {
            let p = try Policy.parse(yaml, file: "p.yaml")
            Issue.record("loaded, expected \(expected): \(p.rules)")
        } catch {
            #expect(error.description == "p.yaml:" + expected)
        }
    }

    @Test func descriptionFormat() {
        let e = PolicyError(file: "/etc/vigil/p.yaml", line: 3, column: 7, reason: "unknown key 'x'")
        #expect(e.description == "/etc/vigil/p.yaml:3:7: unknown key 'x'")
    }

    @Test func suggestions() {
        #expect(Suggestion.closest(to: "matchs", among: PolicyParser.ruleKeys) == "match")
        #expect(Suggestion.closest(to: "action", among: PolicyParser.ruleKeys) == "actions")
        #expect(Suggestion.closest(to: "zzzzzz", among: PolicyParser.ruleKeys) == nil)
        #expect(EditDistance.between("kitten", "sitting") == 3)
        #expect(EditDistance.between("exce", "exec") == 1)
        #expect(EditDistance.between("", "abc") == 3)
    }
}
