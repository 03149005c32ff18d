import Foundation
import Testing
import VigilTestSupport

/// What `vigil trace` says against ground truth it used to get wrong (issue 17): bytes
/// a connection carried before accept(), descendants that existed before tracing,
/// the traced command's own exec, a closed output pipe, and per-type summary counts.
@Suite(.ownThread, .serialized) struct TraceTruthTests {
    let helper = TraceCommandTests()

    /// The server side's close counts the 5000 bytes that arrived before accept().
    @Test(.requiresRoot) func acceptedConnectionCountsBytesThatArrivedBeforeAccept() throws {
        try requireRoot()
        let dir = try TraceSensorTests.compile("late-accept", data: "")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["trace", "--format", "json", "--events", "accept,close", "--", dir + "/late-accept", "5000", "3000"])
        #expect(r.status == 0, "\(r.stderr)")
        // The fixture's own counts are the truth: "port P client_sent … server_received …".
        let truthLine = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("port ") }, "\(r.stdout)")
        let words = truthLine.split(separator: " ").map(String.init)
        var truth: [String: Int] = [:]
        for i in stride(from: 0, to: words.count - 1, by: 2) { truth[words[i]] = Int(words[i + 1]) }
        let port = try #require(truth["port"])
        #expect(truth["server_received"] == 5000 && truth["server_sent"] == 3000, "\(truthLine)")
        let all = try helper.events(r.stdout.split(separator: "\n").filter { !$0.hasPrefix("port ") }.joined(separator: "\n"))
        #expect(all.filter { $0["event"] as? String == "accept" && $0["sport"] as? Int == port }.count == 1, "\(r.stdout)")
        let serverClose = try #require(all.first { $0["event"] as? String == "close" && $0["sport"] as? Int == port }, "\(r.stdout)")
        #expect(serverClose["bytes_received"] as? Int == truth["server_received"], "\(serverClose)")
        #expect(serverClose["bytes_sent"] as? Int == truth["server_sent"], "\(serverClose)")
        let clientClose = try #require(all.first { $0["event"] as? String == "close" && $0["dport"] as? Int == port }, "\(r.stdout)")
        #expect(clientClose["bytes_sent"] as? Int == truth["client_sent"], "\(clientClose)")
        #expect(clientClose["bytes_received"] as? Int == truth["client_received"], "\(clientClose)")
    }

    /// `--pid P` follows a child of P that was already running when tracing started:
    /// its execs (the `sleep`s it runs, then `true`) and its exit are reported.
    @Test(.requiresRoot) func pidFollowsDescendantsThatExistedBeforeTracing() throws {
        try requireRoot()
        let go = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-go-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: go) }
        let inner = "while [ ! -e \(go) ]; do sleep 0.05; done; /bin/true; exit 6"
        let parent = try spawnClean(["/bin/sh", "-c", "sh -c '\(inner)'; exit 0"], quiet: true)
        // The child shell exists before vigil starts.
        var child: Int32 = 0
        #expect(poll(10) {
            let text = (try? String(contentsOfFile: "/proc/\(parent)/task/\(parent)/children", encoding: .utf8)) ?? ""
            child = Int32(text.split(separator: " ").first ?? "") ?? 0
            return child > 0
        })
        let starter = Thread {
            _ = TraceCommandTests.waitUntilAttached(commandLineHas: ["--pid", String(parent)])
            FileManager.default.createFile(atPath: go, contents: nil)
        }
        starter.start()
        let r = try CLI.run(["trace", "--format", "json", "--events", "exec,exit", "--pid", String(parent), "--duration", "6s"])
        reap(parent)
        let all = try helper.events(r.stdout)
        let childExecs = all.filter { $0["event"] as? String == "exec" && $0["ppid"] as? Int == Int(child) && $0["ret"] as? Int == 0 }
        #expect(childExecs.contains { $0["filename"] as? String == "/bin/true" }, "the child's exec of true: \(r.stdout)")
        let childExit = all.first { $0["event"] as? String == "exit" && $0["pid"] as? Int == Int(child) }
        #expect(childExit?["exit_code"] as? Int == 6, "the child's exit: \(r.stdout)")
        #expect(all.first { $0["event"] as? String == "exit" && $0["pid"] as? Int == Int(parent) }?["exit_code"] as? Int == 0)
    }

    /// A command named without a path is found in PATH by Vigil: the trace shows one
    /// exec, of the file found, with argv as given; no failed execs of other PATH entries.
    @Test(.requiresRoot) func commandShowsOnlyItsOwnExec() throws {
        try requireRoot()
        let r = try CLI.run(["PATH=/nonexistent/a:/nonexistent/b:/usr/bin:/bin", CLI.binary,
                             "trace", "--format", "json", "--events", "exec", "--", "true", "one"],
                            executable: "/usr/bin/env")
        #expect(r.status == 0, "\(r.stderr)")
        let execs = try helper.events(r.stdout).filter { $0["event"] as? String == "exec" }
        #expect(execs.count == 1, "only the command's exec: \(r.stdout)")
        #expect(execs.first?["filename"] as? String == "/usr/bin/true")
        #expect(execs.first?["ret"] as? Int == 0)
        #expect(execs.first?["argv"] as? [String] == ["true", "one"])
        let missing = try CLI.vigil("trace", "--", "no-such-command-vigil")
        #expect(missing.status == 2 && missing.stderr.contains("no-such-command-vigil"), "\(missing.stderr)")
    }

    /// `vigil trace | head -2`: the trace ends with its summary, which names the closed
    /// pipe, instead of dying by SIGPIPE; a traced command still runs to its end.
    @Test(.requiresRoot) func closedPipeEndsTheTraceWithASummary() throws {
        try requireRoot()
        let vigil = CLI.binary
        let withCommand = "\(vigil) trace --format json -- sh -c 'for i in $(seq 40); do /bin/true; sleep 0.02; done; exit 3' | head -2 >/dev/null; echo \"vigil=${PIPESTATUS[0]}\" >&2"
        let r = try CLI.run(["-c", withCommand], executable: "/bin/bash", timeout: 60)
        #expect(r.stderr.contains("vigil=3"), "vigil ends with the command's status, not SIGPIPE's 141: \(r.stderr)")
        #expect(r.stderr.contains("events: exec"), "\(r.stderr)")
        #expect(r.stderr.contains("bytes not written (Broken pipe); the reader closed the pipe"), "\(r.stderr)")
        // Without a command the trace stops once the reader is gone.
        let machine = "(for i in $(seq 200); do /bin/true; sleep 0.02; done) & \(vigil) trace --comm true --duration 50s | head -2 >/dev/null; echo \"vigil=${PIPESTATUS[0]}\" >&2; kill %1"
        let start = Date()
        let m = try CLI.run(["-c", machine], executable: "/bin/bash", timeout: 60)
        #expect(Date().timeIntervalSince(start) < 30, "stopped when the pipe closed, not at --duration")
        #expect(m.stderr.contains("vigil=0") && m.stderr.contains("Broken pipe"), "\(m.stderr)")
    }

    /// "not written" is counted per event type: 3 execs of `true` are logged, and the
    /// shell's exec and every fork and exit are not.
    @Test(.requiresRoot) func notWrittenIsCountedPerType() throws {
        try requireRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-nw-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let policy = """
            sources:
              process: [exec, fork, exit]
            rules:
              - name: trues
                event: exec
                match:
                  comm: "true"
                actions: [log]
            """
        try policy.write(toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["trace", "--format", "json", "--policy", dir + "/policy.yaml", "--",
                             "/bin/sh", "-c", "/bin/true; /bin/true; /bin/true; exit 0"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try helper.events(r.stdout).count == 3)
        // sh (1) and three trues execed; sh forked three times; four processes exited.
        #expect(r.stderr.contains("events: exec 4 (1 not written), fork 3 (3 not written), exit 4 (4 not written)"), "\(r.stderr)")
    }
}
