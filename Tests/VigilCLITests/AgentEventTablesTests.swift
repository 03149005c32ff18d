import Foundation
import Testing
import VigilTestSupport

/// Event tables fed by the tracer inside the agent, seen through scheduled queries.
@Suite(.serialized) struct AgentEventTablesTests {
    /// An exec done by the test appears in process_events exactly once, with its pid,
    /// executable and command line, however many times the query runs.
    @Test func anExecAppearsInProcessEventsExactlyOnce() throws {
        guard TraceCommandTests().privileged() else { return }
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
        let up = agent.wait(30) {
            try agent.results().contains { r in
                r["name"] as? String == "sources" && ((r["snapshot"] as? [[String: String]]) ?? []).contains { $0["name"] == "process_events" && $0["active"] == "1" }
            }
        }
        try #require(up, "the event tracer did not start; log:\n\(agent.log)")
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
}
