import Foundation
import Testing
import VigilTestSupport

/// `vigil status` against a real agent: what it says is what /proc and the agent's own
/// schedule say, and its exit status is what monitoring keys on.
@Suite(.ownThread, .serialized) struct StatusCommandTests {
    @Test func statusSaysNotRunningHealthyOrUnhealthyAndExitsAccordingly() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-status-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let none = try CLI.run(["status", "--data-dir", empty])
        #expect(none.status == 2, "\(none.stdout)\(none.stderr)")
        #expect(none.stdout.contains("not running"))

        let agent = try RunningAgent(config: "schedule:\n  tick:\n    query: SELECT 1 AS one\n    interval: 1\noptions:\n  disable_events: true\n")
        var status: [String: Any] = [:]
        #expect(agent.wait(30) {
            let run = try CLI.run(["status", "--data-dir", agent.dataDirectory, "--json"])
            status = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
            let tick = (status["queries"] as? [[String: Any]])?.first { $0["name"] as? String == "tick" }
            return run.status == 0 && (tick?["executions"] as? Int ?? 0) >= 2 && status["worker_pid"] != nil
        }, "status never became healthy with runs: \(status) \(agent.log)")
        #expect(status["running"] as? Bool == true && status["healthy"] as? Bool == true)
        // The pids are the agent's: the supervisor this test started, and its worker as /proc shows it.
        #expect(status["supervisor_pid"] as? Int == Int(agent.pid))
        let worker = try #require(status["worker_pid"] as? Int)
        #expect(worker == agent.workerPID.map(Int.init))
        let cmdline = (try? String(contentsOfFile: "/proc/\(worker)/cmdline", encoding: .utf8)) ?? ""
        #expect(cmdline.contains("--worker"), "\(cmdline)")
        #expect((status["resident_bytes"] as? Int ?? 0) > 1_000_000)
        let text = try CLI.run(["status", "--data-dir", agent.dataDirectory])
        #expect(text.status == 0 && text.stdout.contains("healthy") && text.stdout.contains("tick"), "\(text.stdout)")

        // A worker that stops answering (SIGSTOP) is running but unhealthy: exit 1, with the reason.
        kill(pid_t(worker), SIGSTOP)
        defer { kill(pid_t(worker), SIGCONT) }
        let stuck = try CLI.run(["status", "--data-dir", agent.dataDirectory], timeout: 60)
        #expect(stuck.status == 1, "\(stuck.stdout)\(stuck.stderr)")
        #expect(stuck.stdout.contains("UNHEALTHY") && stuck.stdout.contains("does not answer"), "\(stuck.stdout)")
    }
}
