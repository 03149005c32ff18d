import Foundation
import Testing
import VigilTestSupport

/// Issue 19, item 9: a FIFO given as the config or the policy, or swapped in before
/// SIGHUP, blocked the agent and `vigil trace` in open(2).
@Suite(.ownThread, .serialized) struct ConfigFifoTests {
    func fifo() throws -> (dir: String, path: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-fifo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(mkfifo(dir + "/fifo.yaml", 0o600) == 0)
        return (dir, dir + "/fifo.yaml")
    }

    @Test func agentRefusesAFifoConfig() throws {
        let (dir, path) = try fifo()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let started = Date()
        let r = try CLI.run(["agent", "--config", path, "--data-dir", dir + "/data"], timeout: 20)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("cannot read the config: not a regular file \(path)"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func traceRefusesAFifoPolicy() throws {
        let (dir, path) = try fifo()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let started = Date()
        let r = try CLI.run(["trace", "--policy", path, "--duration", "1s"], timeout: 20)
        #expect(r.status != 0 && r.status != 9 + 128, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("cannot read the policy: not a regular file \(path)"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
    }

    /// The config replaced by a FIFO, then SIGHUP: the supervisor refuses it (the
    /// worker runs the text the supervisor handed it), and the schedule goes on.
    @Test func fifoSwappedInBeforeReloadIsRefused() throws {
        let agent = try RunningAgent(config: AdminTests.clockConfig)
        let clock = { try agent.results().filter { $0["name"] as? String == "clock" }.count }
        try #require(agent.wait(30) { try clock() >= 2 }, "clock never ran; log:\n\(agent.log)")
        let config = agent.dir + "/config.yaml"
        unlink(config)
        #expect(mkfifo(config, 0o600) == 0)
        kill(agent.pid, SIGHUP)
        let refused = agent.wait(10) { agent.log.contains("config not reloaded, the running one stays in force: \(config):1:1: cannot read the config: not a regular file") }
        #expect(refused, "log:\n\(agent.log)")
        let before = try clock()
        #expect(agent.wait(10) { try clock() >= before + 3 }, "the schedule stopped; log:\n\(agent.log)")
    }

    /// Issue 19, item 9: the worker runs the config its supervisor read. The file is
    /// edited without SIGHUP and the worker killed: the worker started in its place runs
    /// the supervisor's config (before, it read the edited file while the supervisor
    /// enforced the old one).
    @Test func restartedWorkerRunsTheSupervisorsConfig() throws {
        let agent = try RunningAgent(config: AdminTests.clockConfig)
        let runs = { (name: String) in try agent.results().filter { $0["name"] as? String == name }.count }
        try #require(agent.wait(30) { try runs("clock") >= 2 }, "clock never ran; log:\n\(agent.log)")
        try AdminTests.clockConfig.replacingOccurrences(of: "clock:", with: "edited:")
            .write(toFile: agent.dir + "/config.yaml", atomically: true, encoding: .utf8)
        let first = try #require(agent.workerPID)
        kill(first, SIGKILL)
        let restarted = agent.wait(30) { agent.workerPID.map { $0 != first } ?? false }
        try #require(restarted, "no new worker; log:\n\(agent.log)")
        let before = try runs("clock")
        #expect(agent.wait(15) { try runs("clock") >= before + 3 }, "log:\n\(agent.log)")
        #expect(try runs("edited") == 0)
        #expect(try String(contentsOfFile: agent.dataDirectory + "/config.in-force", encoding: .utf8) == AdminTests.clockConfig)
    }
}
