import Foundation
import Testing
import VigilTestSupport

/// `deny` rules against ground truth: what the denied program printed and returned,
/// whether the file is still there, and the events Vigil wrote. The fanotify listener
/// must never hold the host: every other open is allowed, under load, and a killed
/// Vigil lets everything through.
@Suite(.ownThread, .serialized) struct TracePreventionTests {
    let helper = TraceCommandTests()

    /// A fresh directory, holding `name` with `text` when given.
    func scratch(holding name: String? = nil, _ text: String = "") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-deny-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let name { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    /// Waits until a process whose command line holds `words` holds a fanotify group
    /// (its permission listener is in place).
    static func waitForFanotify(commandLineHas words: [String]) -> Int32? {
        var found: Int32?
        _ = poll(60) {
            for name in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
                guard let pid = Int32(name), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
                let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                guard words.allSatisfy(argv.contains) else { continue }
                let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
                if fds.contains(where: { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == "anon_inode:[fanotify]" }) {
                    found = pid
                    return true
                }
            }
            return false
        }
        return found
    }

    func policy(_ dir: String, _ text: String) throws -> String {
        let path = dir + "/policy.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Machine-wide: `cat` opening the file fails with EPERM and prints nothing of it;
    /// another program reads it; the open is reported as denied by fanotify.
    @Test(.requiresRoot) func machineWideDenyOfCatOpeningAFile() throws {
        try requireRoot()
        let dir = try scratch(holding: "secret.txt", "the secret\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try policy(dir, """
            sources:
              file: [open]
            rules:
              - name: no-cat-secret
                event: open
                match:
                  path: \(dir)/secret.txt
                  comm: cat
                actions: [deny]
            """)
        nonisolated(unsafe) var cat: CLI.Result?
        nonisolated(unsafe) var other: CLI.Result?
        let worker = Thread {
            _ = Self.waitForFanotify(commandLineHas: ["--policy", file])
            cat = try? CLI.run([dir + "/secret.txt"], executable: "/bin/cat")
            other = try? CLI.run(["-c", "20", dir + "/secret.txt"], executable: "/usr/bin/head")
        }
        worker.start()
        let r = try CLI.run(["trace", "--format", "json", "--policy", file, "--duration", "5s"], timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(cat?.status == 1 && cat?.stdout == "", "cat printed nothing: \(String(describing: cat))")
        #expect(cat?.stderr.contains("Operation not permitted") == true, "\(String(describing: cat?.stderr))")
        #expect(other?.stdout == "the secret\n", "head is not cat: it reads the file")
        let denied = try helper.events(r.stdout).filter { $0["denied"] != nil }
        #expect(denied.count == 1, "\(r.stdout)")
        let event = try #require(denied.first)
        #expect(event["comm"] as? String == "cat" && event["path"] as? String == dir + "/secret.txt" && event["error"] as? String == "EPERM")
        let why = event["denied"] as? [String: Any]
        #expect(why?["rule"] as? String == "no-cat-secret" && why?["mechanism"] as? String == "fanotify")
        #expect(r.stderr.contains("deny: fanotify permission events (open, exec; machine-wide); 1 call denied (fanotify 1)"), "\(r.stderr)")
    }

    /// Machine-wide exec rule: a program under the denied directory does not start
    /// (EPERM from execve), the same program elsewhere does; the failed exec is
    /// reported as denied.
    @Test(.requiresRoot) func machineWideDenyOfExecFromADirectory() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/denied", withIntermediateDirectories: true)
        for place in ["/denied/prog", "/prog"] { try FileManager.default.copyItem(atPath: "/bin/echo", toPath: dir + place) }
        let file = try policy(dir, """
            sources:
              process: [exec]
            rules:
              - name: no-exec-there
                event: exec
                match:
                  filename: {prefix: \(dir)/denied/}
                actions: [deny]
            """)
        nonisolated(unsafe) var denied: CLI.Result?
        nonisolated(unsafe) var allowed: CLI.Result?
        let worker = Thread {
            _ = Self.waitForFanotify(commandLineHas: ["--policy", file])
            denied = try? CLI.run(["-c", "\(dir)/denied/prog ran; echo status $? >&2"], executable: "/bin/sh")
            allowed = try? CLI.run(["ran"], executable: dir + "/prog")
        }
        worker.start()
        let r = try CLI.run(["trace", "--format", "json", "--policy", file, "--duration", "5s"], timeout: 60)
        #expect(denied?.stdout == "" && denied?.stderr.contains("Operation not permitted") == true, "\(String(describing: denied))")
        #expect(denied?.stderr.contains("status 126") == true, "the shell could not execute it")
        #expect(allowed?.stdout == "ran\n")
        let events = try helper.events(r.stdout).filter { $0["denied"] != nil }
        #expect(events.count == 1, "\(r.stdout)")
        #expect(events.first?["event"] as? String == "exec" && events.first?["filename"] as? String == dir + "/denied/prog")
        #expect(events.first?["error"] as? String == "EPERM")
    }

    /// A launched `rm` denied unlinkat by the seccomp filter: the file survives, rm says
    /// why and fails, and the call is reported as denied.
    @Test(.requiresRoot) func launchedRmDeniedUnlinkat() throws {
        try requireRoot()
        let dir = try scratch(holding: "victim", "keep me\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The same rule with each form of the action.
        func noUnlink(_ action: String) throws -> String {
            try policy(dir, """
                sources:
                  syscalls:
                    names: [unlinkat]
                rules:
                  - name: no-unlink
                    event: syscall
                    syscalls: [unlinkat]
                    actions:
                      - \(action)
                """)
        }
        let r = try CLI.run(["trace", "--format", "json", "--policy", try noUnlink("deny"), "--", "rm", dir + "/victim"], timeout: 60)
        #expect(r.status == 1, "rm failed: \(r.stderr)")
        #expect(r.stderr.contains("rm: cannot remove") && r.stderr.contains("Operation not permitted"), "\(r.stderr)")
        #expect(try String(contentsOfFile: dir + "/victim", encoding: .utf8) == "keep me\n", "the file survives")
        let calls = try helper.events(r.stdout).filter { $0["syscall"] as? String == "unlinkat" }
        #expect(calls.count == 1, "\(r.stdout)")
        #expect((calls.first?["denied"] as? [String: Any])?["mechanism"] as? String == "seccomp")
        #expect(calls.first?["error"] as? String == "EPERM")
        // The errno a rule names is the one the call returns.
        let e = try CLI.run(["trace", "--format", "json", "--policy", try noUnlink("deny: {errno: EROFS}"), "--", "rm", dir + "/victim"], timeout: 60)
        #expect(e.stderr.contains("Read-only file system"), "\(e.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/victim"))
    }

    /// A launched `rm` under a Landlock rule on a directory: the file beneath it
    /// survives (EACCES), a file in a directory beside it is removed, and only the
    /// refused call is reported as denied.
    @Test(.requiresRoot) func launchedRmDeniedBeneathADirectoryByLandlock() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (sub, name) in [("logs", "app.log"), ("free", "scratch.txt")] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
            try "x\n".write(toFile: "\(dir)/\(sub)/\(name)", atomically: true, encoding: .utf8)
        }
        let file = try policy(dir, """
            sources:
              syscalls:
                names: [unlinkat]
            rules:
              - name: keep-logs
                event: syscall
                syscalls: [unlinkat]
                match:
                  args.pathname: {prefix: \(dir)/logs/}
                actions: [deny]
            """)
        let r = try CLI.run(["trace", "--format", "json", "--policy", file, "--", "rm", dir + "/logs/app.log", dir + "/free/scratch.txt"],
                            timeout: 60)
        #expect(r.status == 1 && r.stderr.contains("Permission denied"), "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/logs/app.log"), "the protected file survives")
        #expect(!FileManager.default.fileExists(atPath: dir + "/free/scratch.txt"), "the file beside it is removed")
        let denied = try helper.events(r.stdout).filter { $0["denied"] != nil }
        #expect(denied.count == 1 && (denied.first?["args"] as? [String: Any])?["pathname"] as? String == dir + "/logs/app.log", "\(r.stdout)")
        #expect((denied.first?["denied"] as? [String: Any])?["mechanism"] as? String == "landlock")
        #expect(r.stderr.contains("deny: Landlock"), "\(r.stderr)")
    }

    /// Rules no mechanism here can enforce are refused at load with the reason, and
    /// nothing is attached; marked best-effort, they load and the summary says so.
    @Test(.requiresRoot) func unenforceableRulesAreRefusedWithTheirReason() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func rule(_ event: String, _ match: String, _ action: String, syscalls: String = "") -> String {
            """
            sources:
              file: [open]
              syscalls:
                names: [unlinkat]
            rules:
              - name: r
                event: \(event)
                \(syscalls)
                match:
                  \(match)
                actions:
                  - \(action)
            """
        }
        let cases: [(String, String)] = [
            (rule("syscall", "comm: rm", "deny", syscalls: "syscalls: [unlinkat]"), "binds only a command Vigil starts"),
            (rule("open", "path: /etc/shadow", "deny: {errno: EACCES}"), "fail with EPERM only"),
            (rule("open", "comm: cat", "deny"), "the rule needs a `path` condition"),
        ]
        for (text, reason) in cases {
            let r = try CLI.run(["trace", "--policy", try policy(dir, text), "--duration", "1s"], timeout: 60)
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("deny rule 'r' cannot be enforced here") && r.stderr.contains(reason), "\(r.stderr)")
            #expect(r.stderr.contains("nothing was attached"))
        }
        let seccompOnCommand = try CLI.run(["trace", "--policy", try policy(dir, cases[0].0), "--", "/bin/true"], timeout: 60)
        #expect(seccompOnCommand.stderr.contains("seccomp checks") || seccompOnCommand.stderr.contains("not comm, uid, pid or strings"),
                "a launched command still cannot have comm conditions: \(seccompOnCommand.stderr)")
        let best = rule("syscall", "comm: rm", "deny: {best_effort: true}", syscalls: "syscalls: [unlinkat]")
        let b = try CLI.run(["trace", "--policy", try policy(dir, best), "--duration", "1s"], timeout: 60)
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stderr.contains("not enforced (best effort): r: syscall rules are enforced by a seccomp filter"), "\(b.stderr)")
    }

    /// The listener allows everything else, under load: with a prefix rule (a whole
    /// filesystem watched), 20,000 opens of another file by a workload all succeed
    /// while the denied file stays denied; and a SIGKILLed Vigil holds nothing up.
    @Test(.requiresRoot) func listenerAllowsByDefaultUnderLoadAndWhenKilled() throws {
        try requireRoot()
        let dir = try TraceSensorTests.compile("workload", data: "data\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "no\n".write(toFile: dir + "/denied-file", atomically: true, encoding: .utf8)
        let file = try policy(dir, """
            sources:
              file: [open]
            rules:
              - name: denied-prefix
                event: open
                match:
                  path: {prefix: \(dir)/denied}
                actions: [deny]
            """)
        let vigil = try spawnClean([CLI.binary, "trace", "--policy", file, "-o", "/dev/null", "--duration", "60s"], quiet: true)
        #expect(Self.waitForFanotify(commandLineHas: ["--policy", file]) == vigil)
        let start = Date()
        let load = try CLI.run([dir + "/data.txt", "20000", "0", "0", "0", "0"], executable: dir + "/workload", timeout: 60)
        #expect(load.status == 0, "every open allowed (the workload exits 101 on a failed open)")
        #expect(Date().timeIntervalSince(start) < 30, "20,000 watched opens answered in \(Date().timeIntervalSince(start)) s")
        let denied = try CLI.run([dir + "/denied-file"], executable: "/bin/cat")
        #expect(denied.status == 1 && denied.stdout == "", "\(denied)")
        // Killed while the load runs: the kernel drops the group and allows what waits.
        let background = try spawnClean([dir + "/workload", dir + "/data.txt", "200000", "0", "0", "0", "0"], quiet: true)
        usleep(100_000)
        kill(vigil, SIGKILL)
        reap(vigil)
        #expect(reap(background) == 0, "the workload finished after Vigil was killed")
        #expect(try CLI.run([dir + "/denied-file"], executable: "/bin/cat").stdout == "no\n", "nothing is denied once Vigil is gone")
    }
}

extension TracePreventionTests {
    /// `vigil doctor` names the mechanism for each kind of deny rule, and says BPF LSM
    /// as the kernel answers a load (this kernel's config has it, its loader refuses it).
    @Test(.requiresRoot) func doctorNamesTheDenyMechanisms() throws {
        try requireRoot()
        let r = try CLI.run(["doctor"])
        let out = r.stdout + r.stderr
        let config = try CLI.run(["-c", "zcat /proc/config.gz 2>/dev/null | grep -c '^CONFIG_FANOTIFY_ACCESS_PERMISSIONS=y'"], executable: "/bin/sh")
        let files = DoctorTests.line(out, "vigil trace: deny open, exec rules")
        #expect(files?.detail.contains("fanotify permission events") == true, "\(out)")
        if config.stdout.hasPrefix("1") { #expect(files?.ok == true, "\(out)") }
        let syscalls = DoctorTests.line(out, "vigil trace: deny syscall rules")
        #expect(syscalls?.ok == true && syscalls?.detail.contains("seccomp filter") == true, "\(out)")
        #expect(DoctorTests.line(out, "BPF LSM programs") != nil, "\(out)")
    }
}
