import Foundation
import Testing
import VigilTestSupport

/// Issue 19, item 9: a FIFO given as the config or the policy, or swapped in before
/// SIGHUP, blocked the agent and `vigil trace` in open(2).
@Suite(.serialized) struct ConfigFifoTests {
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

    /// The config replaced by a FIFO, then SIGHUP: supervisor and worker both keep
    /// the running config, and the schedule goes on.
    @Test func fifoSwappedInBeforeReloadIsRefused() throws {
        let agent = try RunningAgent(config: AdminTests.clockConfig)
        let clock = { try agent.results().filter { $0["name"] as? String == "clock" }.count }
        try #require(agent.wait(30) { try clock() >= 2 }, "clock never ran; log:\n\(agent.log)")
        let config = agent.dir + "/config.yaml"
        unlink(config)
        #expect(mkfifo(config, 0o600) == 0)
        kill(agent.pid, SIGHUP)
        let refused = agent.wait(10) { agent.log.components(separatedBy: "not a regular file").count >= 3 }
        #expect(refused, "both processes should refuse the FIFO; log:\n\(agent.log)")
        let before = try clock()
        #expect(agent.wait(10) { try clock() >= before + 3 }, "the schedule stopped; log:\n\(agent.log)")
    }
}
