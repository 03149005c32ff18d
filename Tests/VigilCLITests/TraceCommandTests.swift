import Foundation
import Testing
import VigilTestSupport

/// `vigil trace` against ground truth: pids the workload records itself, exit codes
/// it chose, and strace's view of the same workload. Needs root (BPF): skipped
/// without it, a failure in CI (`.requiresRoot`).
@Suite(.ownThread, .serialized) struct TraceCommandTests {
    func events(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
    }

    /// Waits until a process whose command line holds `words` (in order, adjacent)
    /// has attached BPF programs: it holds a BPF link, and has held links for 200 ms
    /// (a sensor attaches its programs one after another).
    static func waitUntilAttached(commandLineHas words: [String], timeout: TimeInterval = 60) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        var linkedSince: Date?
        while Date() < end {
            if links(commandLineHas: words) > 0 {
                if let since = linkedSince, Date().timeIntervalSince(since) >= 0.2 { return true }
                linkedSince = linkedSince ?? Date()
            }
            usleep(20_000)
        }
        return false
    }

    /// BPF links held by the processes whose command line holds `words`.
    static func links(commandLineHas words: [String]) -> Int {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        var count = 0
        for pid in pids {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard argv.count >= words.count,
                  (0...(argv.count - words.count)).contains(where: { Array(argv[$0..<($0 + words.count)]) == words }) else { continue }
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            count += fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == "anon_inode:bpf_link" }.count
        }
        return count
    }

    func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-trace-\(UUID().uuidString)").path
    }

    @Test(.requiresRoot) func workloadEventsMatchWhatItDid() throws {
        try requireRoot()
        let log = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: log) }
        let script = """
        /bin/true & echo "true $!" >> \(log); wait
        /bin/sh -c 'exit 3' & echo "sh3 $!" >> \(log); wait
        ( exit 5 ) & echo "sub5 $!" >> \(log); wait
        cat /dev/null & echo "cat $!" >> \(log); wait
        echo "self $$" >> \(log)
        exit 7
        """
        let r = try CLI.run(["trace", "--format", "json", "--", "/bin/sh", "-c", script])
        #expect(r.status == 7, "vigil trace returns the command's status; stderr: \(r.stderr)")
        #expect(r.stderr.contains("fork 4, exit 5"), "\(r.stderr)")
        #expect(r.stderr.contains("lost: 0 in the kernel"))
        var pids: [String: Int] = [:]
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: " ")
            pids[String(parts[0])] = Int(parts[1])
        }
        let all = try events(r.stdout)
        func find(_ kind: String, _ pid: Int?) -> [String: Any]? {
            all.first { $0["event"] as? String == kind && $0["pid"] as? Int == pid && ($0["ret"] == nil || $0["ret"] as? Int == 0) }
        }
        let shell = try #require(pids["self"])
        #expect(find("exec", shell)?["argv"] as? [String] == ["/bin/sh", "-c", script])
        #expect(find("exit", shell)?["exit_code"] as? Int == 7)
        #expect(find("exec", pids["true"])?["filename"] as? String == "/bin/true")
        #expect(find("exit", pids["true"])?["exit_code"] as? Int == 0)
        #expect(find("exec", pids["sh3"])?["argv"] as? [String] == ["/bin/sh", "-c", "exit 3"])
        #expect(find("exit", pids["sh3"])?["exit_code"] as? Int == 3)
        #expect(find("exec", pids["sub5"]) == nil, "a subshell forks without exec")
        #expect(find("exit", pids["sub5"])?["exit_code"] as? Int == 5)
        #expect((find("exec", pids["cat"])?["filename"] as? String)?.hasSuffix("/cat") == true)
        let forked = Set(all.filter { $0["event"] as? String == "fork" }.compactMap { $0["child_pid"] as? Int })
        #expect(forked == Set([pids["true"], pids["sh3"], pids["sub5"], pids["cat"]].compactMap { $0 }))
        for e in all where e["event"] as? String != "fork" && e["pid"] as? Int != shell {
            #expect(e["ppid"] as? Int == shell, "child's parent: \(e)")
        }
    }

    /// The same workload under strace -f and under vigil: the same execs and exits.
    @Test(.requiresRoot) func agreesWithStrace() throws {
        try requireRoot()
        let script = "for i in 1 2 3; do /bin/true; done; ls / >/dev/null; (exit 4); sh -c 'exit 2'; exit 0"
        let traceFile = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: traceFile) }
        let s = try CLI.run(["-f", "-qq", "-e", "trace=execve,exit_group", "-o", traceFile, "/bin/sh", "-c", script],
                            executable: "/usr/bin/strace")
        #expect(s.status == 0)
        let lines = try String(contentsOfFile: traceFile, encoding: .utf8).split(separator: "\n")
        // With -f, strace may split a call into "<unfinished ...>" and "<... execve resumed>" lines.
        var pending: [Substring: String] = [:]
        var straceExecs: [String] = []
        for line in lines {
            let pid = line.prefix(while: { $0.isNumber })
            if line.contains("execve(\""), let path = line.split(separator: "\"").dropFirst().first.map(String.init) {
                if line.hasSuffix("= 0") { straceExecs.append(path) } else if line.contains("<unfinished") { pending[pid] = path }
            } else if line.contains("execve resumed"), line.hasSuffix("= 0"), let path = pending.removeValue(forKey: pid) {
                straceExecs.append(path)
            }
        }
        straceExecs.sort()
        let straceExits = lines.filter { $0.contains("exit_group(") }
            .compactMap { $0.split(separator: "(").last?.split(separator: ")").first.flatMap { Int($0) } }.sorted()

        let v = try CLI.run(["trace", "--format", "json", "--", "/bin/sh", "-c", script])
        let all = try events(v.stdout)
        // Failed execs (a shell's PATH search) are exec events too, with ret < 0; strace's "= 0" lines are the successes.
        let vigilExecs = all.filter { $0["event"] as? String == "exec" && $0["ret"] as? Int == 0 }.compactMap { $0["filename"] as? String }.sorted()
        let vigilExits = all.filter { $0["event"] as? String == "exit" }.compactMap { $0["exit_code"] as? Int }.sorted()
        #expect(vigilExecs == straceExecs)
        #expect(vigilExits == straceExits)
        #expect(vigilExecs.count == 6)
    }

    /// A grandchild that lives for a fraction of a millisecond is still seen: the pid
    /// filter adds children in the kernel at fork, before they can run, so catching it
    /// does not depend on how long it lives. Every attempt must catch it. Its lifetime
    /// is about 0.1 ms on a quiet machine, and longer when parallel tests load both
    /// cores, so the bound checked here is loose.
    @Test(.requiresRoot) func followsShortLivedGrandchildren() throws {
        try requireRoot()
        var lifetimes: [Int] = []
        for _ in 0..<5 {
            let r = try CLI.run(["trace", "--format", "json", "--events", "exit", "--", "/bin/sh", "-c", "sh -c '(exit 9)'; exit 0"])
            let all = try events(r.stdout)
            let grandchild = try #require(all.first { $0["exit_code"] as? Int == 9 }, "grandchild's exit missing: \(r.stdout)")
            lifetimes.append(grandchild["lifetime_ns"] as? Int ?? Int.max)
            #expect(all.allSatisfy { $0["event"] as? String == "exit" })
        }
        #expect(lifetimes.min() ?? .max < 10_000_000, "grandchild lifetimes (ns): \(lifetimes)")
    }

    @Test(.requiresRoot) func pidFilterShowsOnlyThatProcess() throws {
        try requireRoot()
        let sleeper = try spawnClean(["/bin/sleep", "30"], quiet: true)
        let killer = Thread {
            // Not a fixed delay: under a loaded test run vigil's start-up took longer
            // than one, and the sleeper's exit would go untraced.
            _ = Self.waitUntilAttached(commandLineHas: ["--pid", String(sleeper)])
            for _ in 0..<5 { if let p = try? spawnClean(["/bin/true"], quiet: true) { reap(p) } }
            kill(sleeper, SIGTERM)
        }
        killer.start()
        let r = try CLI.run(["trace", "--format", "json", "--pid", String(sleeper), "--duration", "2s"])
        reap(sleeper)
        let all = try events(r.stdout)
        #expect(all.count == 1, "only the sleeper's exit: \(r.stdout)")
        #expect(all.first?["pid"] as? Int == Int(sleeper))
        #expect(all.first?["signal"] as? Int == Int(SIGTERM))
    }

    @Test func badInputIsRefusedClearly() throws {
        let syscallEvent = try CLI.vigil("trace", "--events", "exec,syscall")
        #expect(syscallEvent.status != 0)
        #expect(syscallEvent.stderr.contains("use --syscalls NAME,… to choose syscall events"))
        let unknownSyscall = try CLI.vigil("trace", "--syscalls", "opneat", "--duration", "1s")
        #expect(unknownSyscall.status != 0)
        #expect(unknownSyscall.stderr.contains("no syscall named 'opneat'") && unknownSyscall.stderr.contains("did you mean 'openat'?"),
                "\(unknownSyscall.stderr)")
        let unknown = try CLI.vigil("trace", "--events", "exce")
        #expect(unknown.stderr.contains("unknown event type 'exce'"))
        let duration = try CLI.vigil("trace", "--duration", "soon")
        #expect(duration.stderr.contains("cannot read duration 'soon'"))
        let pid = try CLI.vigil("trace", "--pid", "999999999")
        #expect(pid.stderr.contains("no process with pid 999999999"))
    }
}

extension TraceCommandTests {
    /// Field names per section of docs/events.md ("## exec" → its table's first column).
    func documentedFields() throws -> [String: Set<String>] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/events.md"), encoding: .utf8)
        var sections: [String: Set<String>] = [:]
        var current = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("## ") { current = line.dropFirst(3).lowercased().split(separator: " ").first.map(String.init) ?? "" }
            guard line.hasPrefix("| "), !line.hasPrefix("| field"), !line.hasPrefix("|---") else { continue }
            let field = line.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            sections[current, default: []].insert(field)
        }
        return sections
    }

    @Test(.requiresRoot) func jsonFieldsMatchThisDocument() throws {
        try requireRoot()
        let docs = try documentedFields()
        let common = try #require(docs["common"])
        // Every kind of event: a TCP connection over loopback, a file written, read and
        // removed, a child that execs, and a failed exec.
        let script = """
            import os, socket, subprocess, tempfile
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
            c = socket.create_connection(s.getsockname()); a, _ = s.accept()
            c.sendall(b"hi"); a.recv(2); c.close(); a.close(); s.close()
            d = tempfile.mkdtemp(); p = os.path.join(d, "f")
            with open(p, "w") as f: f.write("x")
            with open(p) as f: f.read()
            os.unlink(p); os.rmdir(d)
            subprocess.run(["/bin/true"])
            try: subprocess.run(["/nonexistent/vigil-test"])
            except OSError: pass
            """
        let r = try CLI.run(["trace", "--format", "json", "--events", "exec,fork,exit,open,read,write,connect,accept,close",
                             "--syscalls", "unlink,unlinkat", "--", "/usr/bin/python3", "-c", script])
        let all = try events(r.stdout)
        #expect(Set(all.compactMap { $0["event"] as? String }) == Set(EventKinds.all), "\(r.stderr)")
        for event in all {
            let kind = try #require(event["event"] as? String)
            #expect(Set(event.keys) == common.union(docs[kind] ?? []), "\(kind) fields differ from docs/events.md")
        }
        let withAncestry = try events(try CLI.run(["trace", "--format", "json", "--ancestry", "--", "/bin/true"]).stdout)
        for event in withAncestry {
            let kind = try #require(event["event"] as? String)
            #expect(Set(event.keys) == common.union(docs[kind] ?? []).union(docs["ancestry"] ?? []))
        }
    }
}

enum EventKinds {
    static let all = ["exec", "fork", "exit", "syscall", "open", "read", "write", "connect", "accept", "close"]
}
