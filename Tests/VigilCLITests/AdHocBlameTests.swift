import Foundation
import Testing
import VigilAgent
import VigilTestSupport

/// Issue 19, item 5: ad hoc queries (the admin socket's) under the watchdog. A greedy
/// one fails on its own at the SQL heap limit; one that still gets the worker stopped
/// is blamed and refused afterwards, never the scheduled query marked beside it.
@Suite(.ownThread, .serialized) struct AdHocBlameTests {
    /// AdminTests' clock agent with the restrictive watchdog from the start.
    static func config(adminTimeout: Int) -> String {
        AdminTests.clockConfig
            .replacingOccurrences(of: "watchdog_level: -1", with: "watchdog_level: 1\n  watchdog_delay: 0")
            .replacingOccurrences(of: "admin_query_timeout: 6", with: "admin_query_timeout: \(adminTimeout)")
    }

    /// A 300 MB sort through the admin socket fails with the heap limit (half of the
    /// restrictive 100 MB); the worker is the same process and nothing was recorded.
    @Test func greedyAdminQueryFailsOnItsOwn() throws {
        let agent = try RunningAgent(config: Self.config(adminTimeout: 4))
        try #require(AdminTests().socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        let worker = try #require(agent.workerPID)
        let r = try CLI.run(["query", "--agent", "--data-dir", agent.dataDirectory, QueryLimitsTests.blobSort(rows: 3000)], timeout: 60)
        #expect(r.status == 1)
        #expect(r.stderr.contains("the query needed more memory than the SQL heap limit of 50 MB"), "\(r.stderr)")
        usleep(4_500_000)  // two of the supervisor's samples
        #expect(agent.workerPID == worker)
        #expect(try agent.store().watchdogRecords().isEmpty, "\(agent.log)")
    }

    /// An admin query allowed to run past the latency limit breaks the CPU limit: the
    /// breach names the ad hoc query, which is denylisted and refused when sent again;
    /// the scheduled clock is not denylisted and keeps running.
    @Test func breachDuringAnAdminQueryBlamesIt() throws {
        let agent = try RunningAgent(config: Self.config(adminTimeout: 60))
        try #require(AdminTests().socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        _ = try CLI.run(["query", "--agent", "--data-dir", agent.dataDirectory, AgentTests.runaway], timeout: 60)
        _ = agent.wait(20) { try agent.store().watchdogRecords().contains { $0.cause == "limit" } }
        let record = try #require(try agent.store().watchdogRecords().first { $0.cause == "limit" }, "\(agent.log)")
        let name = StateStore.adHocName(AgentTests.runaway)
        #expect(record.limit == "cpu" && record.query == name && record.denylisted, "\(record)")
        let now = Int64(Date().timeIntervalSince1970)
        #expect(try agent.store().denylistEntry(name, at: now) != nil)
        #expect(try agent.store().denylistEntry("clock", at: now) == nil)
        let answers = agent.wait(30) {
            try CLI.run(["query", "--agent", "--data-dir", agent.dataDirectory, "SELECT 1"], timeout: 10).status == 0
        }
        try #require(answers, "no new worker answers; log:\n\(agent.log)")
        let again = try CLI.run(["query", "--agent", "--data-dir", agent.dataDirectory, AgentTests.runaway], timeout: 30)
        #expect(again.status == 1)
        #expect(again.stderr.contains("refused: this query got the worker stopped (cpu:"), "\(again.stderr)")
        let kept = agent.wait(20) {
            try agent.results().filter { $0["name"] as? String == "clock" && ($0["unixTime"] as? Int64 ?? 0) > record.time + 2 }.count >= 2
        }
        #expect(kept, "clock did not run after the breach; log:\n\(agent.log)")
    }
}

