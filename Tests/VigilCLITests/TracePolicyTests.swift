import Foundation
import Testing
import VigilTestSupport

/// `vigil trace --policy`: kill rules stop a process in the kernel before it can use
/// what it opened, alerts are attached to events, and bad policies attach nothing.
@Suite(.ownThread, .serialized) struct TracePolicyTests {
    let helper = TraceCommandTests()

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-policy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A kill rule on an integer argument is refused with what a kill rule can compare
    /// and what to do instead, not "no string argument 'fd' (its arguments: fd)".
    @Test(.requiresRoot) func killRuleOnAnIntegerArgumentSaysWhatToDoInstead() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            sources:
              syscalls:
                names: [close]
            rules:
              - name: kill-fd
                event: syscall
                syscalls: [close]
                match:
                  args.fd: {equals: 99}
                actions:
                  - kill
            """.write(toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["trace", "--policy", dir + "/policy.yaml", "--", "/bin/true"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("args.fd is not a string") && r.stderr.contains("close has no string argument")
                && r.stderr.contains("kill on comm, uid or pid"), "\(r.stderr)")
    }

    @Test(.requiresRoot) func killRuleStopsTheReaderBeforeItReadsTheFile() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "the secret\n".write(toFile: dir + "/secret.txt", atomically: true, encoding: .utf8)
        try "not secret\n".write(toFile: dir + "/public.txt", atomically: true, encoding: .utf8)
        let policy = """
            sources:
              file: [open]
            rules:
              - name: no-secrets
                event: open
                match:
                  path: {prefix: \(dir)/secret}
                  comm: cat
                actions:
                  - alert: {severity: critical}
                  - kill
            """
        try policy.write(toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        let script = "cat \(dir)/public.txt > \(dir)/public.out; cat \(dir)/secret.txt > \(dir)/secret.out; echo $? > \(dir)/status"
        let r = try CLI.run(["trace", "--format", "json", "--policy", dir + "/policy.yaml", "--", "/bin/sh", "-c", script])
        #expect(r.status == 0, "\(r.stderr)")
        // The kernel killed cat at openat's entry: it never read a byte (SIGKILL = 128 + 9).
        #expect(try String(contentsOfFile: dir + "/status", encoding: .utf8) == "137\n")
        #expect(try String(contentsOfFile: dir + "/secret.out", encoding: .utf8) == "")
        #expect(try String(contentsOfFile: dir + "/public.out", encoding: .utf8) == "not secret\n")
        let all = try helper.events(r.stdout)
        let killed = all.filter { $0["killed"] as? Bool == true }
        #expect(killed.count == 1, "\(r.stdout)")
        #expect(killed.first?["path"] as? String == dir + "/secret.txt")
        let alerts = killed.first?["alerts"] as? [[String: Any]]
        #expect(alerts?.first?["rule"] as? String == "no-secrets" && alerts?.first?["severity"] as? String == "critical")
        // Only events a rule logs or alerts on are written.
        #expect(all.count == 1)
    }

    /// SIGKILL at entry stops the process before it returns to user space; the call
    /// itself still completes in the kernel (documented in docs/policy.md).
    @Test(.requiresRoot) func killedCallStillCompletesButTheProcessNeverReturns() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "x".write(toFile: dir + "/victim", atomically: true, encoding: .utf8)
        let policy = """
            sources:
              syscalls:
                names: [unlink, unlinkat]
            rules:
              - name: rm-victim
                event: syscall
                match:
                  comm: rm
                  args.pathname: {prefix: \(dir)/}
                actions:
                  - kill
            """
        try policy.write(toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        let script = "rm \(dir)/victim; echo $? > \(dir)/status"
        let r = try CLI.run(["trace", "--format", "json", "--policy", dir + "/policy.yaml", "--", "/bin/sh", "-c", script])
        #expect(try String(contentsOfFile: dir + "/status", encoding: .utf8) == "137\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/victim"), "the unlink itself ran to its end")
        let killed = try helper.events(r.stdout).filter { $0["killed"] as? Bool == true }
        #expect(killed.count == 1, "a kill is reported even without log or alert: \(r.stdout)")
        #expect((killed.first?["args"] as? [String: Any])?["pathname"] as? String == dir + "/victim")
    }

    @Test(.requiresRoot) func countRuleAggregatesInWindows() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let policy = """
            sources:
              process: [exec, exit]
            rules:
              - name: exits-by-code
                event: exit
                match:
                  comm: sh
                actions:
                  - count: {by: [exit_code], window: 1m}
            """
        try policy.write(toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["trace", "--format", "json", "--policy", dir + "/policy.yaml", "--", "/bin/sh", "-c",
                             "sh -c 'exit 3'; sh -c 'exit 3'; sh -c 'exit 4'; exit 0"])
        let lines = try helper.events(r.stdout).filter { $0["event"] as? String == "aggregate" }
        var counts: [Int: Int] = [:]
        for line in lines {
            let group = try #require(line["group"] as? [String: Any])
            counts[group["exit_code"] as? Int ?? -1] = line["count"] as? Int
        }
        #expect(counts == [3: 2, 4: 1, 0: 1], "\(r.stdout)")
    }

    @Test func invalidPolicyIsRefusedWithItsLineAndNothingRuns() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let policy = """
            sources:
              file: [open]
            rules:
              - name: typo
                event: open
                match:
                  pth: /etc/shadow
                actions: [log]
            """
        try policy.write(toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        let marker = dir + "/ran"
        let r = try CLI.run(["trace", "--policy", dir + "/policy.yaml", "--", "/usr/bin/touch", marker])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(dir)/policy.yaml:7:"), "\(r.stderr)")
        #expect(r.stderr.contains("pth") && r.stderr.contains("path"), "\(r.stderr)")
        #expect(r.stderr.contains("nothing was attached"))
        #expect(!FileManager.default.fileExists(atPath: marker), "the command must not run")
        let missing = try CLI.run(["trace", "--policy", dir + "/none.yaml"])
        #expect(missing.status == 2 && missing.stderr.contains("none.yaml"))
    }
}
