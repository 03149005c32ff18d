import Foundation
import Testing
import VigilTestSupport

/// Issue 19, item 7: after kill -9 of the supervisor the worker ran on unwatched, and
/// a second agent on the same data directory ran the schedule twice.
@Suite(.ownThread, .serialized) struct SingleAgentTests {
    /// Alive and not a zombie waiting for its reaper.
    static func running(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)...].first != "Z"
    }

    /// kill -9 of the supervisor: the worker is ended by the kernel's parent-death
    /// signal (SIGTERM) and is gone within seconds.
    @Test func workerDiesWithItsSupervisor() throws {
        let agent = try RunningAgent(config: AdminTests.clockConfig)
        let found = agent.wait(30) { agent.workerPID != nil }
        let worker = try #require(found ? agent.workerPID : nil, "no worker; log:\n\(agent.log)")
        #expect(Self.running(worker))
        kill(agent.pid, SIGKILL)
        let gone = agent.wait(15) { !Self.running(worker) }
        #expect(gone, "worker \(worker) still runs without its supervisor; log:\n\(agent.log)")
        if !gone { kill(worker, SIGKILL) }
    }

    /// A second `vigil agent` on the same data directory exits 2 naming the first, whose
    /// worker goes on undisturbed.
    @Test func secondAgentOnTheSameDirectoryIsRefused() throws {
        let agent = try RunningAgent(config: AdminTests.clockConfig)
        let found = agent.wait(30) { agent.workerPID != nil }
        let worker = try #require(found ? agent.workerPID : nil, "no worker; log:\n\(agent.log)")
        let second = try CLI.run(["agent", "--config", agent.dir + "/config.yaml", "--data-dir", agent.dataDirectory], timeout: 20)
        #expect(second.status == 2, "\(second.stderr)")
        #expect(second.stderr.contains("another agent (pid \(agent.pid)) runs on this data directory"), "\(second.stderr)")
        #expect(agent.workerPID == worker && Self.running(worker))
        // The worker holds the lock too (an orphaned worker still keeps the directory),
        // and nothing else of its supervisor's: descriptor 3 is the lock.
        let lock = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(worker)/fd/3")
        #expect(lock == agent.dataDirectory + "/agent.lock")
    }
}
