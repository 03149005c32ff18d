import Testing
@testable import VigilTrace
import VigilTestSupport

/// An event made of a dictionary, for rules to look at.
struct FakeEvent: FieldSource {
    let kind: EventKind
    var fields: [String: FieldValue]

    init(_ kind: EventKind, _ fields: [String: FieldValue]) {
        self.kind = kind
        self.fields = fields
    }

    func field(_ name: String) -> FieldValue? { fields[name] }
}

/// Conditions and verdicts, through policies written as users write them.
@Suite(.ownThread) struct PolicyMatchTests {
    /// Whether one rule on `event` with `match` (YAML flow mapping) matches `fields`.
    func matches(_ match: String, _ event: EventKind, _ fields: [String: FieldValue]) throws -> Bool {
        let sources = event == .syscall ? "  syscalls: {names: [openat, unlinkat]}" : "  \(event.source.rawValue): [\(event.rawValue)]"
        let yaml = "sources:\n\(sources)\nrules:\n  - name: r\n    event: \(event.rawValue)\n    match: \(match)\n    actions: [log]\n"
        let engine = RuleEngine(policy: try Policy.parse(yaml, file: "m.yaml"))
        return engine.evaluate(FakeEvent(event, fields)).write
    }

    @Test func equalsAndBareScalar() throws {
        #expect(try matches("{uid: 0}", .open, ["uid": .integer(0)]))
        #expect(try !matches("{uid: 0}", .open, ["uid": .integer(1000)]))
        #expect(try matches("{comm: {equals: cat}}", .open, ["comm": .string("cat")]))
        #expect(try !matches("{comm: {equals: cat}}", .open, ["comm": .string("cats")]))
        // A plain 123 is still the string "123" for a string field.
        #expect(try matches("{comm: 123}", .open, ["comm": .string("123")]))
        #expect(try matches("{args_truncated: true}", .exec, ["args_truncated": .boolean(true)]))
        #expect(try !matches("{args_truncated: true}", .exec, ["args_truncated": .boolean(false)]))
    }

    @Test func notEquals() throws {
        #expect(try matches("{comm: {ne: sshd}}", .open, ["comm": .string("cat")]))
        #expect(try !matches("{comm: {ne: sshd}}", .open, ["comm": .string("sshd")]))
        #expect(try matches("{ret: {ne: 0}}", .open, ["ret": .integer(-2)]))
        #expect(try !matches("{ret: {ne: 0}}", .open, ["ret": .integer(0)]))
    }

    @Test func inLists() throws {
        #expect(try matches("{comm: {in: [cat, less]}}", .open, ["comm": .string("less")]))
        #expect(try !matches("{comm: {in: [cat, less]}}", .open, ["comm": .string("more")]))
        #expect(try matches("{uid: [0, 1000]}", .open, ["uid": .integer(1000)]))
        #expect(try !matches("{uid: [0, 1000]}", .open, ["uid": .integer(1001)]))
    }

    @Test func prefix() throws {
        #expect(try matches("{path: {prefix: /etc/}}", .open, ["path": .string("/etc/shadow")]))
        #expect(try !matches("{path: {prefix: /etc/}}", .open, ["path": .string("/etcetera")]))
        #expect(try matches("{path: {prefix: [/usr/, /etc/]}}", .open, ["path": .string("/usr/lib")]))
        #expect(try matches("{path: {prefix: /etc/shadow}}", .open, ["path": .string("/etc/shadow")]))
    }

    @Test func numericComparisons() throws {
        let f = { (n: Int64) -> [String: FieldValue] in ["dport": .integer(n)] }
        #expect(try matches("{dport: {gt: 1024}}", .connect, f(1025)))
        #expect(try !matches("{dport: {gt: 1024}}", .connect, f(1024)))
        #expect(try matches("{dport: {ge: 1024}}", .connect, f(1024)))
        #expect(try !matches("{dport: {ge: 1024}}", .connect, f(1023)))
        #expect(try matches("{dport: {lt: 1024}}", .connect, f(1023)))
        #expect(try !matches("{dport: {lt: 1024}}", .connect, f(1024)))
        #expect(try matches("{dport: {le: 1024}}", .connect, f(1024)))
        #expect(try !matches("{dport: {le: 1024}}", .connect, f(1025)))
        // Two operators on one field: both must hold.
        #expect(try matches("{dport: {ge: 8000, lt: 9000}}", .connect, f(8080)))
        #expect(try !matches("{dport: {ge: 8000, lt: 9000}}", .connect, f(9000)))
        #expect(try matches("{ret: {lt: 0}}", .open, ["ret": .integer(-13)]))
    }

    @Test func cidrIPv4() throws {
        let m = "{daddr: {cidr: [10.0.0.0/8, 192.168.1.0/24]}}"
        #expect(try matches(m, .connect, ["daddr": .string("10.200.3.4")]))
        #expect(try matches(m, .connect, ["daddr": .string("192.168.1.255")]))
        #expect(try !matches(m, .connect, ["daddr": .string("192.168.2.1")]))
        #expect(try !matches(m, .connect, ["daddr": .string("11.0.0.1")]))
        // An IPv4-mapped IPv6 address is its IPv4 address.
        #expect(try matches(m, .connect, ["daddr": .string("::ffff:10.1.1.1")]))
        // Neither an IPv6 address nor text that is no address.
        #expect(try !matches(m, .connect, ["daddr": .string("fd00::1")]))
        #expect(try !matches(m, .connect, ["daddr": .string("garbage")]))
        #expect(try matches("{daddr: {cidr: 0.0.0.0/0}}", .connect, ["daddr": .string("8.8.8.8")]))
        #expect(try matches("{daddr: {cidr: 1.2.3.4}}", .connect, ["daddr": .string("1.2.3.4")]))
        #expect(try !matches("{daddr: {cidr: 1.2.3.4}}", .connect, ["daddr": .string("1.2.3.5")]))
    }

    @Test func cidrIPv6() throws {
        let m = "{saddr: {cidr: [\"fd00::/8\", \"2001:db8:1::/48\"]}}"
        #expect(try matches(m, .accept, ["saddr": .string("fd12:3456::1")]))
        #expect(try matches(m, .accept, ["saddr": .string("2001:db8:1:ffff::1")]))
        #expect(try !matches(m, .accept, ["saddr": .string("2001:db8:2::1")]))
        #expect(try !matches(m, .accept, ["saddr": .string("fe80::1")]))
        #expect(try !matches(m, .accept, ["saddr": .string("10.0.0.1")]))
        // Prefix lengths that are not multiples of 64 or 8.
        #expect(try matches("{saddr: {cidr: \"2001:db8::/33\"}}", .accept, ["saddr": .string("2001:db8:7fff::1")]))
        #expect(try !matches("{saddr: {cidr: \"2001:db8::/33\"}}", .accept, ["saddr": .string("2001:db8:8000::1")]))
        #expect(try matches("{saddr: {cidr: \"::1/128\"}}", .accept, ["saddr": .string("::1")]))
        #expect(try !matches("{saddr: {cidr: \"::1/128\"}}", .accept, ["saddr": .string("::2")]))
        #expect(try matches("{saddr: {cidr: \"fd00::/127\"}}", .accept, ["saddr": .string("fd00::1")]))
        #expect(try !matches("{saddr: {cidr: \"fd00::/127\"}}", .accept, ["saddr": .string("fd00::2")]))
        #expect(try matches("{saddr: {cidr: \"fd00::ff00/120\"}}", .accept, ["saddr": .string("fd00::ffab")]))
        #expect(try !matches("{saddr: {cidr: \"fd00::ff00/120\"}}", .accept, ["saddr": .string("fd00::1ab")]))
    }

    /// Addresses compare as addresses, not as text.
    @Test func addressEquality() throws {
        #expect(try matches("{daddr: \"::1\"}", .connect, ["daddr": .string("0:0::1")]))
        #expect(try matches("{daddr: [127.0.0.1, \"::1\"]}", .connect, ["daddr": .string("::1")]))
        #expect(try !matches("{daddr: {ne: 127.0.0.1}}", .connect, ["daddr": .string("127.0.0.1")]))
        #expect(try matches("{daddr: {ne: 127.0.0.1}}", .connect, ["daddr": .string("10.0.0.1")]))
    }

    @Test func listFieldsMatchAnyElement() throws {
        let argv: [String: FieldValue] = ["argv": .strings(["curl", "-o", "/tmp/x"])]
        #expect(try matches("{argv: -o}", .exec, argv))
        #expect(try matches("{argv: {prefix: /tmp/}}", .exec, argv))
        #expect(try !matches("{argv: {in: [wget, -O]}}", .exec, argv))
        #expect(try !matches("{argv: {ne: -o}}", .exec, argv))
        #expect(try matches("{argv: {ne: -O}}", .exec, argv))
    }

    @Test func missingFieldNeverMatches() throws {
        for m in ["{uid: 0}", "{uid: {ne: 0}}", "{uid: {gt: -1}}", "{path: {prefix: /}}", "{error: {ne: ENOENT}}"] {
            #expect(try !matches(m, .open, [:]), "\(m)")
        }
        #expect(try !matches("{daddr: {cidr: 0.0.0.0/0}}", .connect, [:]))
    }

    /// args.NAME: typed at run time; `3` matches the integer 3 and the string "3".
    @Test func dynamicArguments() throws {
        #expect(try matches("{args.flag: 512}", .syscall, ["args.flag": .integer(512)]))
        #expect(try matches("{args.flag: 512}", .syscall, ["args.flag": .string("512")]))
        #expect(try !matches("{args.flag: 512}", .syscall, ["args.flag": .integer(0)]))
        #expect(try matches("{args.pathname: {prefix: /tmp/}}", .syscall, ["args.pathname": .string("/tmp/a")]))
        #expect(try !matches("{args.pathname: {prefix: /tmp/}}", .syscall, ["args.pathname": .integer(5)]))
        #expect(try matches("{args.flag: {gt: 100}}", .syscall, ["args.flag": .integer(512)]))
        #expect(try !matches("{args.flag: {gt: 100}}", .syscall, ["args.flag": .string("512")]))
        #expect(try matches("{args.addr: {cidr: 10.0.0.0/8}}", .syscall, ["args.addr": .string("10.0.0.9")]))
        #expect(try matches("{args.pathname: {in: [/a, /b]}}", .syscall, ["args.pathname": .string("/b")]))
        #expect(try !matches("{args.pathname: x}", .syscall, [:]))
    }

    @Test func ruleSyscallsKeyFilters() throws {
        let yaml = """
            sources:
              syscalls: {names: [openat, unlinkat]}
            rules:
              - {name: u, event: syscall, syscalls: [unlinkat], actions: [log]}
            """
        let engine = RuleEngine(policy: try Policy.parse(yaml, file: "s.yaml"))
        #expect(engine.evaluate(FakeEvent(.syscall, ["syscall": .string("unlinkat")])).write)
        #expect(!engine.evaluate(FakeEvent(.syscall, ["syscall": .string("openat")])).write)
    }

    // MARK: verdicts

    static let verdictPolicy = """
        sources:
          file: [open, read]
          process: [exec]
        rules:
          - name: etc
            event: open
            match: {path: {prefix: /etc/}}
            actions: [log]
          - name: shadow
            event: open
            match: {path: /etc/shadow}
            actions:
              - alert: {severity: critical}
          - name: tmp
            event: open
            match: {path: {prefix: /tmp/}}
            actions:
              - count: {by: path}
          - name: any-exec
            event: exec
            actions: [alert]
        """

    @Test func verdicts() throws {
        let engine = RuleEngine(policy: try Policy.parse(Self.verdictPolicy, file: "v.yaml"), clock: { 0 })
        #expect(engine.evaluate(FakeEvent(.open, ["path": .string("/etc/hosts")])) == Verdict(write: true))
        #expect(engine.evaluate(FakeEvent(.open, ["path": .string("/etc/shadow")]))
            == Verdict(write: true, alerts: [Alert(rule: "shadow", severity: .critical)]))
        // Counted only: not written.
        #expect(engine.evaluate(FakeEvent(.open, ["path": .string("/tmp/x")])) == Verdict(write: false))
        // Nothing matches: not written.
        #expect(engine.evaluate(FakeEvent(.open, ["path": .string("/usr/lib/x")])) == Verdict(write: false))
        // No rule for reads: not written.
        #expect(engine.evaluate(FakeEvent(.read, ["path": .string("/etc/hosts")])) == Verdict(write: false))
        #expect(engine.evaluate(FakeEvent(.exec, [:])) == Verdict(write: true, alerts: [Alert(rule: "any-exec", severity: .medium)]))
        let lines = engine.flush(now: 10_000_000_000)
        #expect(lines.count == 1)
        #expect(lines.first?.contains("\"rule\":\"tmp\"") == true)
        #expect(lines.first?.contains("\"group\":{\"path\":\"/tmp/x\"},\"count\":1") == true)
    }

    @Test func noRulesWritesEverything() throws {
        let engine = RuleEngine(policy: try Policy.parse("sources: {file: [open]}\n", file: "n.yaml"))
        #expect(engine.evaluate(FakeEvent(.open, [:])) == Verdict(write: true))
        #expect(engine.evaluate(FakeEvent(.exit, [:])) == Verdict(write: true))
        #expect(engine.flush(now: 1 << 62).isEmpty)
    }

    @Test func killOnlyRuleDoesNotWrite() throws {
        let yaml = "sources: {file: [open]}\nrules:\n  - {name: k, event: open, match: {comm: cat}, actions: [kill]}\n"
        let engine = RuleEngine(policy: try Policy.parse(yaml, file: "k.yaml"))
        #expect(engine.evaluate(FakeEvent(.open, ["comm": .string("cat")])) == Verdict(write: false))
    }
}
