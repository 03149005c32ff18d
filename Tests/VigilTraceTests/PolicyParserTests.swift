import Foundation
import Testing
import VigilSystem
@testable import VigilTrace
import VigilTestSupport

/// Policies that load, and what they load into.
@Suite(.ownThread) struct PolicyParserTests {
    /// The format as documented in docs/policy.md, every feature at once.
    static let full = """
        sources:                 # which events; any subset
          process: [exec, fork, exit]
          file: [open, read, write]
          network: [connect, accept, close]
          syscalls:
            names: [openat, connect, unlinkat]
            string_size: 512
            buffer_size: 64
        filters:
          pids: [1234, 99]
          follow: false
          cgroup: system.slice/ssh.service
          comm: sshd
          uid: 0
          exe: /usr/bin/curl
        rules:
          - name: shadow-readers
            event: open
            match:
              path: {prefix: /etc/shadow}
              comm: {in: [cat, less]}
              uid: 0
            actions:
              - alert: {severity: high}
              - log
              - kill
          - name: bytes-by-path
            event: read
            actions:
              - count: {by: [comm, path], window: 10s, sum: bytes, min: bytes, max: bytes, avg: bytes, histogram: bytes}
          - name: ports
            event: connect
            match:
              daddr: {cidr: [10.0.0.0/8, "fd00::/8"]}
              dport: {ge: 1024, lt: 2048}
              sport: [1, 2]
            actions: [log]
          - name: unlinks
            event: syscall
            syscalls: [unlinkat]
            match:
              args.pathname: {prefix: /tmp/}
              args.flag: {gt: 0}
            actions:
              - alert
        """

    @Test func fullFormat() throws {
        let p = try Policy.parse(Self.full, file: "full.yaml")
        #expect(p.sources.events == Set(EventKind.allCases))
        #expect(p.sources.enabled == Set(EventSource.allCases))
        #expect(p.sources.syscalls == SyscallCapture(names: ["openat", "connect", "unlinkat"], stringSize: 512, bufferSize: 64))

        var filters = PolicyFilters()
        filters.pids = [1234, 99]
        filters.follow = false
        filters.cgroup = "system.slice/ssh.service"
        filters.comm = "sshd"
        filters.uid = 0
        filters.exe = "/usr/bin/curl"
        #expect(p.filters == filters)

        #expect(p.rules.map(\.name) == ["shadow-readers", "bytes-by-path", "ports", "unlinks"])
        let shadow = p.rules[0]
        #expect(shadow.event == .open)
        #expect(shadow.conditions == [
            Condition(field: "path", op: .prefix, values: [.string("/etc/shadow")]),
            Condition(field: "comm", op: .in, values: [.string("cat"), .string("less")]),
            Condition(field: "uid", op: .equals, values: [.integer(0)]),
        ])
        #expect(shadow.actions == [.alert(.high), .log, .kill])
        #expect(shadow.writes && shadow.kills && shadow.severity == .high)

        var count = CountSpec(by: ["comm", "path"], windowNanoseconds: 10_000_000_000)
        (count.sum, count.min, count.max, count.avg, count.histogram) = (["bytes"], ["bytes"], ["bytes"], ["bytes"], ["bytes"])
        #expect(p.rules[1].actions == [.count(count)])
        #expect(!p.rules[1].writes)

        #expect(p.rules[2].conditions == [
            Condition(field: "daddr", op: .cidr, values: [.string("10.0.0.0/8"), .string("fd00::/8")]),
            Condition(field: "dport", op: .ge, values: [.integer(1024)]),
            Condition(field: "dport", op: .lt, values: [.integer(2048)]),
            Condition(field: "sport", op: .in, values: [.integer(1), .integer(2)]),
        ])
        #expect(p.rules[3].syscalls == ["unlinkat"])
        #expect(p.rules[3].conditions == [
            Condition(field: "args.pathname", op: .prefix, values: [.string("/tmp/")]),
            Condition(field: "args.flag", op: .gt, values: [.integer(0)]),
        ])
        #expect(p.rules[3].actions == [.alert(.medium)])
        #expect(p.killRules.map(\.rule) == ["shadow-readers"])
    }

    @Test func defaults() throws {
        let p = try Policy.parse("rules: []\n", file: "d.yaml")
        #expect(p.sources == .default)
        #expect(p.sources.events == [.exec, .fork, .exit])
        #expect(p.filters == PolicyFilters())
        #expect(p.filters.follow)
        #expect(p.rules.isEmpty && p.killRules.isEmpty)

        let s = try Policy.parse("sources:\n  syscalls:\n    names: openat\n", file: "s.yaml")
        #expect(s.sources.events == [.syscall])
        #expect(s.sources.syscalls == SyscallCapture(names: ["openat"], stringSize: 256, bufferSize: 0))
    }

    /// Durations cost an entry hook per call: off unless asked for, or a rule reads them.
    @Test func durationsAreOnWhenAskedForOrUsed() throws {
        func durations(_ text: String) throws -> Bool? { try Policy.parse(text, file: "d.yaml").sources.syscalls?.durations }
        var options = SensorOptions()
        try Policy.parse("sources:\n  syscalls:\n    names: [openat]\n", file: "d.yaml").apply(to: &options)
        #expect(!options.syscallDurations)
        #expect(try durations("sources:\n  syscalls:\n    names: [openat]\n    durations: true\n") == true)
        let used = """
            sources:
              syscalls:
                names: [connect]
            rules:
              - name: slow-connects
                event: syscall
                match:
                  duration_ns: {gt: 1000000000}
                actions: [log]
              - name: by-time
                event: syscall
                actions:
                  - count: {by: [syscall], histogram: duration_ns}
            """
        #expect(try durations(used) == true)
        #expect(try durations(used.replacingOccurrences(of: "duration_ns: {gt: 1000000000}", with: "ret: {lt: 0}")
                                  .replacingOccurrences(of: "histogram: duration_ns", with: "sum: ret")) == false)
        #expect(throws: PolicyError.self) { try Policy.parse("sources:\n  syscalls:\n    names: [openat]\n    durations: often\n", file: "d.yaml") }
    }

    @Test func countDefaultsAndSingleValues() throws {
        let p = try Policy.parse("""
            rules:
              - name: c
                event: exit
                actions:
                  - count
              - name: d
                event: exit
                actions:
                  - count: {by: comm, window: 500ms, sum: [exit_code, lifetime_ns]}
            """, file: "c.yaml")
        #expect(p.rules[0].count == CountSpec(by: [], windowNanoseconds: 10_000_000_000))
        var d = CountSpec(by: ["comm"], windowNanoseconds: 500_000_000)
        d.sum = ["exit_code", "lifetime_ns"]
        #expect(p.rules[1].count == d)
    }

    /// A window takes the grammar `vigil trace --duration` takes (DurationText), so
    /// `2m30s` and a plain number of seconds work in a policy too.
    @Test(arguments: [("500ms", Int64(500_000_000)), ("2m30s", 150_000_000_000), ("1.5s", 1_500_000_000), ("10", 10_000_000_000)])
    func windowsTakeTheOneDurationGrammar(text: String, ns: Int64) throws {
        let p = try Policy.parse("rules:\n  - name: c\n    event: exit\n    actions:\n      - count: {window: \(text)}\n", file: "w.yaml")
        #expect(p.rules[0].count?.windowNanoseconds == ns)
    }

    /// Every shipped example loads; a broken example fails here, not in front of a user.
    @Test func examplesLoad() throws {
        let root = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let dir = root + "/examples/policies"
        let names = try FileSystem.list(dir).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count >= 5)
        for name in names {
            do {
                _ = try Policy.load(path: dir + "/" + name)
            } catch {
                Issue.record("\(error)")
            }
        }
        let sensitive = try Policy.load(path: dir + "/sensitive-files.yaml")
        #expect(sensitive.killRules == [
            KillSpec(rule: "cat-shadow", event: .open, comms: ["cat"], stringField: "path", stringOperator: .prefix,
                     strings: ["/etc/shadow", "/etc/gshadow"]),
        ])
        let net = try Policy.load(path: dir + "/net-by-destination.yaml")
        #expect(net.rules.first?.count?.by == ["daddr", "dport"])
    }

    @Test func unreadableFile() {
        #expect(throws: PolicyError(file: "/nonexistent/p.yaml", line: 1, column: 1,
                                    reason: "cannot read the policy: open /nonexistent/p.yaml: No such file or directory")) {
            try Policy.load(path: "/nonexistent/p.yaml")
        }
    }
}
