import Foundation
import Testing
import VigilAgent
import VigilSQL
import VigilTestSupport

/// `vigil agent` end to end: a real supervisor, a real worker, real limits, checked
/// against the state database, the results log and /proc.
@Suite(.ownThread, .serialized) struct AgentTests {
    /// A query that would run for minutes: 6 users joined 6 times over.
    static let runaway = "SELECT 1 FROM users, users, users, users, users, users"
    /// The restrictive watchdog from the start, over the runaway query and a clock.
    static let runawayAndClock = """
        options:
          watchdog_level: 1
          watchdog_delay: 0
          watchdog_restart_delay_max: 1
        schedule:
          runaway:
            query: \(runaway)
            interval: 3
          clock:
            query: SELECT unix_time FROM time
            interval: 1
        """

    /// The restrictive level kills the worker within its window while the runaway query
    /// runs; the query is denylisted with the reason; vigil_schedule shows it; a new
    /// worker starts, and the other query keeps running on schedule.
    @Test func runawayQueryIsKilledDenylistedAndOthersKeepRunning() throws {
        let agent = try RunningAgent(config: Self.runawayAndClock)
        let killed = agent.wait(60) { try agent.store().watchdogRecords().contains { $0.cause == "limit" } }
        #expect(killed, "no kill recorded; log:\n\(agent.log)")
        let record = try #require(try agent.store().watchdogRecords().first { $0.cause == "limit" })
        #expect(record.limit == "cpu")
        #expect(record.query == "runaway")
        #expect(record.denylisted)
        // Restrictive: over 5% of all cores for 6 s; sampled every 2 s.
        #expect((record.seconds ?? 0) >= 6 && (record.seconds ?? 0) < 12, "\(record)")
        #expect((record.measured ?? 0) > 5)
        let denied = try #require(try agent.store().denylistEntry("runaway", at: Int64(Date().timeIntervalSince1970)))
        #expect(denied.until > Int64(Date().timeIntervalSince1970) + 86_000)
        #expect(denied.measured.contains("cpu"), "\(denied)")

        // vigil_schedule, through the table itself over the agent's state.
        let view = AgentStateView(statePath: agent.dataDirectory + "/state.db",
                                  schedule: Schedule(config: try ConfigLoader.load(path: agent.dir + "/config.yaml").config, hostIdentifier: "test"),
                                  startTime: 0)
        let db = try Database(tables: [ScheduleTable(view: view, osqueryCompatible: false)])
        let rows = try db.query("SELECT name, denylisted, denylist_reason FROM vigil_schedule WHERE name = 'runaway'")
        #expect(rows.first?["denylisted"] == .integer(1), "\(rows)")

        // The other query keeps running after the kill, in a new worker.
        let killedAt = record.time
        let kept = agent.wait(20) {
            try agent.results().filter { $0["name"] as? String == "clock" && ($0["unixTime"] as? Int64 ?? 0) > killedAt + 2 }.count >= 2
        }
        #expect(kept, "clock did not run after the kill; log:\n\(agent.log)")
        #expect(try agent.store().stats("runaway")?.executions ?? 0 == 0, "a killed run is not a completed execution")
        #expect(agent.log.contains("skipping denylisted query runaway"), "\(agent.log)")
    }

    /// A worker killed from outside (kill -9) while a query runs does not get that
    /// query denylisted; its death is recorded; a new worker starts.
    @Test func killFromOutsideIsRecordedButDenylistsNothing() throws {
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
              watchdog_restart_delay_max: 1
            schedule:
              runaway:
                query: \(Self.runaway)
                interval: 2
            """)
        let running = agent.wait(30) { try agent.store().executing()?.name == "runaway" }
        try #require(running, "the query never started; log:\n\(agent.log)")
        let first = try #require(agent.workerPID)
        kill(first, SIGKILL)
        let recorded = agent.wait(20) { try agent.store().watchdogRecords().contains { $0.cause == "died" } }
        #expect(recorded, "\(agent.log)")
        let record = try #require(try agent.store().watchdogRecords().first { $0.cause == "died" })
        #expect(record.signal == 9 && record.query == "runaway" && !record.denylisted, "\(record)")
        #expect(try agent.store().denylistEntry("runaway", at: Int64(Date().timeIntervalSince1970)) == nil)
        #expect(agent.wait(20) { agent.workerPID.map { $0 != first } ?? false }, "no new worker")
    }

    /// A query that holds hundreds of MB breaks the memory limit.
    @Test func memoryHogIsKilledByTheMemoryLimit() throws {
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: 1
              watchdog_memory_limit: 60
              watchdog_delay: 0
              watchdog_restart_delay_max: 1
            schedule:
              hog:
                query: WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 3000000) SELECT x, hex(randomblob(64)) AS pad FROM c
                interval: 2
            """)
        let killed = agent.wait(60) { try agent.store().watchdogRecords().contains { $0.cause == "limit" } }
        #expect(killed, "\(agent.log)")
        let record = try #require(try agent.store().watchdogRecords().first { $0.cause == "limit" })
        #expect(record.limit == "memory" && record.query == "hog" && record.denylisted, "\(record)")
        #expect((record.measured ?? 0) > 60, "\(record)")
    }

    /// SIGHUP with a broken config keeps the running one; with a good one, the new
    /// query runs.
    @Test func reloadRefusesABadConfigAndTakesAGoodOne() throws {
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
            schedule:
              first:
                query: SELECT 1 AS one
                interval: 1
            """)
        #expect(agent.wait(20) { try agent.results().contains { $0["name"] as? String == "first" } }, "\(agent.log)")
        let worker = agent.workerPID
        try "schedule:\n  broken: [\n".write(toFile: agent.dir + "/config.yaml", atomically: true, encoding: .utf8)
        kill(agent.pid, SIGHUP)
        #expect(agent.wait(10) { agent.log.contains("config not reloaded") }, "\(agent.log)")
        #expect(agent.workerPID == worker, "a bad config must not restart the worker")
        try """
            options:
              watchdog_level: -1
            schedule:
              second:
                query: SELECT 2 AS two
                interval: 1
            """.write(toFile: agent.dir + "/config.yaml", atomically: true, encoding: .utf8)
        kill(agent.pid, SIGHUP)
        #expect(agent.wait(20) { try agent.results().contains { $0["name"] as? String == "second" } }, "\(agent.log)")
    }

    /// kill -9 of the worker at random moments, 50 times, while a differential query
    /// logs every second: the state database opens cleanly every time, and the results
    /// log has every committed run exactly once (each run removes what the previous added).
    @Test func fiftyKillsLoseAndDuplicateNothing() throws {
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
              watchdog_restart_delay_max: 0.2
            schedule:
              tick:
                query: SELECT unix_time FROM time
                interval: 1
            """)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let up = agent.wait(30) { agent.workerPID != nil }
            try #require(up, "\(agent.log)")
            usleep(UInt32.random(in: 50_000...1_200_000, using: &generator))
            if let worker = agent.workerPID { kill(worker, SIGKILL) }
            #expect(try agent.store().isIntact())
            usleep(100_000)
        }
        // Let the last worker deliver what it found committed.
        _ = agent.wait(10) { try agent.store().pendingOutbox().isEmpty }
        agent.stop()
        let ticks = try agent.results().filter { $0["name"] as? String == "tick" }
        // The query returns one row, the current second, so each logged run adds the
        // new second and removes the one the previous logged run added. A lost line
        // breaks that chain; a duplicated one repeats a counter. (A run in the same
        // second as the previous one logs nothing but still counts, so counters may
        // skip: that is not a loss.)
        var runs: [(counter: Int64, added: [String], removed: [String])] = []
        for t in ticks {
            let counter = t["counter"] as? Int64 ?? -1
            let value = (t["columns"] as? [String: String])?["unix_time"] ?? ""
            if runs.last?.counter != counter { runs.append((counter, [], [])) }
            if t["action"] as? String == "added" { runs[runs.count - 1].added.append(value) } else { runs[runs.count - 1].removed.append(value) }
        }
        #expect(runs.count >= 10, "\(runs.count) runs logged; log:\n\(agent.log)")
        let counters = runs.map(\.counter)
        #expect(counters == counters.sorted() && Set(counters).count == counters.count, "counters repeat or go back: \(counters)")
        for (previous, run) in zip(runs, runs.dropFirst()) {
            #expect(run.added.count == 1 && run.removed == previous.added,
                    "run \(run.counter) removes \(run.removed), but run \(previous.counter) added \(previous.added): a line was lost or repeated")
        }
        #expect(try agent.store().isIntact())
    }

    /// `vigil agent --live` (what `make run` shows): the worker's cost, the queries
    /// run, the events per table and the profiles written, on one screen.
    @Test(.requiresRoot) func liveSummaryShowsQueriesEventsAndProfiles() throws {
        try requireRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-live-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            options:
              watchdog_level: -1
              profiling_interval: 2
            schedule:
              tick: {query: "SELECT 1", interval: 1}
            """.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        let pid = try spawnClean(["/bin/sh", "-c", "exec '\(CLI.binary)' agent --live --config '\(dir)/config.yaml' --data-dir '\(dir)/data' > '\(dir)/screen.txt'"])
        defer { kill(pid, SIGTERM); reap(pid) }
        func screen() -> String {
            let text = (try? String(contentsOfFile: dir + "/screen.txt", encoding: .utf8)) ?? ""
            // The last frame drawn (each starts by clearing the screen).
            return text.components(separatedBy: "\u{1b}[2J").last ?? ""
        }
        let end = Date().addingTimeInterval(30)
        while Date() < end, !(screen().contains("events: process") && screen().range(of: #"profiles: [1-9]"#, options: .regularExpression) != nil) {
            usleep(300_000)
        }
        let last = screen()
        #expect(last.range(of: #"worker \d+: cpu [0-9.]+% of one core, rss [0-9.]+ MB"#, options: .regularExpression) != nil, "\(last)")
        #expect(last.range(of: #"queries: [1-9]\d* runs of 1 queries"#, options: .regularExpression) != nil, "\(last)")
        #expect(last.contains("events: process ") && last.contains("socket ") && last.contains("file off"), "\(last)")
        #expect(last.range(of: #"profiles: [1-9]\d* in "#, options: .regularExpression) != nil, "\(last)")
    }
}
