import Foundation
import Testing
import VigilTestSupport

/// Event tables fed by the tracer inside the agent, seen through scheduled queries.
@Suite(.ownThread, .serialized) struct AgentEventTablesTests {
    /// Whether the agent's `sources` query (a snapshot of vigil_events) shows `table`'s
    /// tracer active within 30 s.
    static func active(_ table: String, in agent: RunningAgent) -> Bool {
        agent.wait(30) {
            try agent.results().contains { r in
                r["name"] as? String == "sources" && ((r["snapshot"] as? [[String: String]]) ?? []).contains { $0["name"] == table && $0["active"] == "1" }
            }
        }
    }

    /// An exec done by the test appears in process_events exactly once, with its pid,
    /// executable and command line, however many times the query runs.
    @Test(.requiresRoot) func anExecAppearsInProcessEventsExactlyOnce() throws {
        try requireRoot()
        let marker = "vigil-exec-marker-\(UUID().uuidString)"
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
            schedule:
              execs:
                query: SELECT pid, parent, path, cmdline, eid FROM process_events WHERE cmdline LIKE '%\(marker)%'
                interval: 1
                removed: false
              sources:
                query: SELECT name, active, events, lost_in_kernel, dropped_overflow FROM vigil_events
                interval: 1
                snapshot: true
            """)
        // The tracer is up once vigil_events says so.
        try #require(Self.active("process_events", in: agent), "the event tracer did not start; log:\n\(agent.log)")
        let child = try spawnClean(["/bin/echo", marker], quiet: true)
        #expect(reap(child) == 0)
        let seen = agent.wait(20) { try agent.results().contains { $0["name"] as? String == "execs" } }
        #expect(seen, "the exec never reached the results log; log:\n\(agent.log)")
        // Several more runs: a run sees only the events since the previous one.
        usleep(3_500_000)
        let rows = try agent.results().filter { $0["name"] as? String == "execs" }
        #expect(rows.count == 1, "\(rows)")
        let columns = rows.first?["columns"] as? [String: String]
        #expect(rows.first?["action"] as? String == "added")
        #expect(columns?["pid"] == String(child), "\(String(describing: columns)) vs pid \(child)")
        #expect(columns?["path"]?.hasSuffix("/echo") == true, "\(String(describing: columns))")
        #expect(columns?["cmdline"] == "/bin/echo \(marker)")
        #expect(columns?["parent"] == String(getpid()))
    }

    /// With removed rows on (the default) an event still appears once, as added: a run
    /// that no longer sees it (the next run, or after it expired from the buffer) does
    /// not log it as removed, as osquery logs queries over event tables. A query that
    /// joins an event table with another table is event-based too.
    @Test(.requiresRoot) func eventsAreNeverLoggedAsRemoved() throws {
        try requireRoot()
        let marker = "vigil-removed-marker-\(UUID().uuidString)"
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
              events_expiry: 2
            schedule:
              execs:
                query: SELECT pid, cmdline FROM process_events WHERE cmdline LIKE '%\(marker)%'
                interval: 1
              joined:
                query: SELECT e.pid, u.username FROM process_events e JOIN users u ON u.uid = e.uid WHERE e.cmdline LIKE '%\(marker)%'
                interval: 1
              sources:
                query: SELECT name, active FROM vigil_events
                interval: 1
                snapshot: true
            """)
        try #require(Self.active("process_events", in: agent), "the event tracer did not start; log:\n\(agent.log)")
        let child = try spawnClean(["/bin/echo", marker], quiet: true)
        #expect(reap(child) == 0)
        let seen = agent.wait(20) { try Set(agent.results().compactMap { $0["name"] as? String }).isSuperset(of: ["execs", "joined"]) }
        #expect(seen, "the exec never reached the results log; log:\n\(agent.log)")
        // Runs go on past the event's expiry (2 s): each sees nothing new.
        usleep(5_000_000)
        for name in ["execs", "joined"] {
            let rows = try agent.results().filter { $0["name"] as? String == name }
            #expect(rows.map { $0["action"] as? String } == ["added"], "\(name): \(rows)")
            #expect((rows.first?["columns"] as? [String: String])?["pid"] == String(child), "\(name): \(rows)")
        }
        let executions = try agent.store().stats("execs")?.executions ?? 0
        #expect(executions >= 5, "the query ran \(executions) times")
    }

    /// Changes under file_paths reach file_events once each, with the right action, the
    /// process that made them and the file's hash after the change (against sha256sum);
    /// excluded and unwatched paths do not; a relative path is resolved against the
    /// caller's directory; a descriptor opened before the agent started is watched too.
    @Test(.requiresRoot) func fileChangesAppearInFileEventsOnceEach() throws {
        try requireRoot()
        let dir = "/tmp/vigil-fim-\(UUID().uuidString.prefix(8))"
        let outside = dir + "-outside"
        for d in [dir, dir + "/skip", outside] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        defer { for d in [dir, outside] { try? FileManager.default.removeItem(atPath: d) } }
        // Open for writing before the agent exists; written to once it is up.
        let early = open(dir + "/early.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(early >= 0)
        defer { close(early) }
        func config(_ watched: [String]) -> String {
            """
            options:
              watchdog_level: -1
            file_paths:
              test: [\(watched.map { "\"\($0)/%%\"" }.joined(separator: ", "))]
            exclude_paths:
              test: ["\(dir)/skip/%%"]
            schedule:
              fim:
                query: SELECT target_path, category, action, transaction_id, sha256, hashed, pid, executable, eid FROM file_events
                interval: 1
                removed: false
              sources:
                query: SELECT name, active FROM vigil_events
                interval: 1
                snapshot: true
            """
        }
        let agent = try RunningAgent(config: config([dir]))
        try #require(Self.active("file_events", in: agent), "file_events never became active; log:\n\(agent.log)")

        func write(_ path: String, _ text: String, flags: Int32 = O_WRONLY | O_CREAT | O_TRUNC) {
            let fd = open(path, flags | O_CLOEXEC, 0o644)
            if fd >= 0 { _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }; close(fd) }
        }
        write(dir + "/keep.txt", "vigil file integrity\n")
        write(dir + "/a.txt", "")
        #expect(rename(dir + "/a.txt", dir + "/b.txt") == 0)
        #expect(chmod(dir + "/b.txt", 0o600) == 0)
        #expect(unlink(dir + "/b.txt") == 0)
        write(dir + "/skip/c.txt", "excluded\n")
        write(outside + "/d.txt", "not watched\n")
        #expect("early\n".withCString { Glibc.write(early, $0, 6) } == 6)
        // A shell in the directory: relative names, and other processes (rm).
        let shell = try spawnClean(["/bin/sh", "-c", "cd '\(dir)' && echo x > rel.txt && rm rel.txt"], quiet: true)
        #expect(reap(shell) == 0)

        typealias Event = (path: String, action: String)
        let me = String(getpid())
        let expected: [Event] = [
            ("keep.txt", "CREATED"), ("keep.txt", "UPDATED"), ("a.txt", "CREATED"), ("a.txt", "MOVED_FROM"),
            ("b.txt", "MOVED_TO"), ("b.txt", "ATTRIBUTES_MODIFIED"), ("b.txt", "DELETED"), ("early.txt", "UPDATED"),
            ("rel.txt", "CREATED"), ("rel.txt", "UPDATED"), ("rel.txt", "DELETED"),
        ]
        func rows() throws -> [[String: String]] {
            try agent.results().filter { $0["name"] as? String == "fim" }.compactMap { $0["columns"] as? [String: String] }
        }
        func has(_ e: Event, in list: [[String: String]]) -> Bool {
            list.contains { $0["target_path"] == dir + "/" + e.path && $0["action"] == e.action }
        }
        let all = agent.wait(20) { try expected.allSatisfy { has($0, in: try rows()) } }
        usleep(2_500_000)  // and nothing more arrives
        let got = try rows()
        #expect(all, "missing: \(expected.filter { !has($0, in: got) }); got \(got); log:\n\(agent.log)")
        #expect(got.count == expected.count, "\(got)")
        for row in got {
            #expect(row["category"] == "test")
            #expect(row["target_path"]?.hasPrefix(dir + "/") == true && row["target_path"]?.contains("/skip/") == false, "\(row)")
            if row["target_path"]?.hasSuffix("rel.txt") == false { #expect(row["pid"] == me, "\(row)") }
        }
        let rm = got.first { $0["target_path"] == dir + "/rel.txt" && $0["action"] == "DELETED" }
        #expect(rm?["executable"]?.hasSuffix("/rm") == true, "\(String(describing: rm))")
        let moves = got.filter { $0["action"]?.hasPrefix("MOVED") == true }
        #expect(moves.count == 2 && moves[0]["transaction_id"] == moves[1]["transaction_id"] && moves[0]["transaction_id"] != "0", "\(moves)")
        // The hash after the change, against sha256sum.
        let sum = try CLI.run([dir + "/keep.txt"], executable: "/usr/bin/sha256sum").stdout.split(separator: " ").first.map(String.init)
        let updated = got.first { $0["target_path"] == dir + "/keep.txt" && $0["action"] == "UPDATED" }
        #expect(updated?["hashed"] == "1" && updated?["sha256"] == sum, "\(String(describing: updated)) vs \(String(describing: sum))")

        // SIGHUP with file_paths widened to the other directory: the tracer restarts
        // with the new prefixes and the worker stays.
        let worker = agent.workerPID
        try config([dir, outside]).write(toFile: agent.dir + "/config.yaml", atomically: true, encoding: .utf8)
        kill(agent.pid, SIGHUP)
        let restarted = agent.wait(20) { agent.log.components(separatedBy: "fed by the tracer").count == 3 }
        #expect(restarted, "\(agent.log)")
        #expect(agent.workerPID == worker)
        write(outside + "/e.txt", "now watched\n")
        let widened = agent.wait(20) { try rows().contains { $0["target_path"] == outside + "/e.txt" && $0["action"] == "CREATED" } }
        #expect(widened, "\((try? rows()) ?? []); log:\n\(agent.log)")

        // SIGTERM stops it at once, though the kernel takes seconds to unregister this
        // many syscall tracepoints (a short-lived child waits for that instead).
        let start = Date()
        let status = agent.stop()
        #expect(status == 0 && Date().timeIntervalSince(start) < 3, "\(Date().timeIntervalSince(start)) s, status \(String(describing: status))")
        #expect(!agent.log.contains("SIGKILL"), "\(agent.log)")
    }
}
