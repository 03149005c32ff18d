import Foundation
import Testing
import VigilAgent
import VigilTestSupport

/// Issue 19 against the running agent (as root, as deployed): what a local user or a
/// query that never finishes does to the schedule.
@Suite(.ownThread, .serialized) struct HostileUserAgentTests {
    /// `ln -s /proc/kmsg ~/.bash_history` by an ordinary user, then a scheduled
    /// shell_history query every second: the schedule keeps its rhythm, and the worker
    /// is never stopped (before the fix one execution happened in 30 s, then nothing).
    @Test(.requiresRoot) func kmsgLinkedAsHistoryDoesNotStopTheSchedule() throws {
        try requireRoot()
        let user = try LocalUser()
        #expect(try user.run(["/bin/ln", "-s", "/proc/kmsg", user.home + "/.bash_history"]) == 0)
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: 1
              watchdog_delay: 0
            schedule:
              history:
                query: SELECT uid, command FROM shell_history WHERE uid = \(user.uid)
                interval: 1
            """)
        let ran = agent.wait(30) { (try agent.store().stats("history")?.executions ?? 0) >= 10 }
        #expect(ran, "history ran \((try? agent.store().stats("history")?.executions) ?? 0) times; log:\n\(agent.log)")
        #expect(try agent.store().watchdogRecords().isEmpty)
    }

    /// A query that makes no progress (its worker stopped with SIGSTOP mid-query, as a
    /// read blocked in the kernel would hold it, using no CPU) is a breach after the
    /// latency limit: the worker is replaced, the query denylisted as stalled, and the
    /// other query keeps running.
    @Test func stalledQueryIsDenylistedAndTheScheduleGoesOn() throws {
        let agent = try RunningAgent(config: AgentTests.runawayAndClock)
        let marked = agent.wait(30) { try agent.store().executing()?.name == "runaway" }
        #expect(marked, "runaway never ran; log:\n\(agent.log)")
        let worker = try #require(agent.workerPID)
        kill(worker, SIGSTOP)
        let stopped = agent.wait(40) { try agent.store().watchdogRecords().contains { $0.cause == "limit" } }
        #expect(stopped, "no breach recorded; log:\n\(agent.log)")
        let record = try #require(try agent.store().watchdogRecords().first { $0.cause == "limit" })
        #expect(record.limit == "stalled", "\(record)")
        #expect(record.query == "runaway")
        #expect(record.pid == Int64(worker))
        #expect(record.denylisted)
        let denied = try #require(try agent.store().denylistEntry("runaway", at: Int64(Date().timeIntervalSince1970)))
        #expect(denied.measured.hasPrefix("stalled"), "\(denied)")
        let kept = agent.wait(20) {
            try agent.results().filter { $0["name"] as? String == "clock" && ($0["unixTime"] as? Int64 ?? 0) > record.time + 2 }.count >= 2
        }
        #expect(kept, "clock did not run after the stall; log:\n\(agent.log)")
    }

    /// `vigil query` run by root with group 0 among its supplementary groups (as from a
    /// root login shell): a user's authorized_keys linked to a root:root 0640 file
    /// shows nothing of it, so the groups are dropped with the uid; the user's own key
    /// file shows its key.
    @Test(.requiresRoot) func rootGroupsGrantNothingThroughAUsersLink() throws {
        try requireRoot()
        let user = try LocalUser()
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rootonly-\(UUID().uuidString)").path
        try "ssh-ed25519 AAAArootonlysecret root@secret\n".write(toFile: secret, atomically: false, encoding: .utf8)
        defer { unlink(secret) }
        #expect(chown(secret, 0, 0) == 0 && chmod(secret, 0o640) == 0)
        #expect(try user.run(["/bin/sh", "-c", """
            mkdir -m 700 \(user.home)/.ssh && ln -s \(secret) \(user.home)/.ssh/authorized_keys && \
            echo 'ssh-ed25519 AAAAuserkey user@laptop' > \(user.home)/.ssh/authorized_keys2
            """]) == 0)
        let r = try CLI.run(["--groups=0", "--", CLI.binary, "query", "--format", "csv",
                             "SELECT key FROM authorized_keys WHERE uid = \(user.uid)"], executable: "/usr/bin/setpriv", timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "key\nAAAAuserkey\n", "\(r.stdout)")
    }
}
