import Foundation
import Testing
import VigilAgent
import VigilTestSupport

/// An idle agent sleeps: the worker's scheduler until its next query is due, the
/// supervisor on its worker's pidfd (and `vigil up` on its agent's). Each wakes at once
/// for what it waits for: a signal, a worker's death, an agent's end. Ground truth is
/// /proc: voluntary context switches (one per sleep that ended).
@Suite(.ownThread, .serialized) struct AgentWakeupTests {
    /// A query name whose first run comes at once (no start delay) on the tests' host
    /// identifier: queries otherwise wait up to a minute after start, by a stable hash.
    static func prompt(_ prefix: String) -> String {
        (0..<10_000).lazy.map { "\(prefix)\($0)" }.first { StableHash.startDelay(name: $0, hostIdentifier: "wakeup-test", limit: 60) == 0 }!
    }

    static let hourly = prompt("hourly"), added = prompt("added")

    /// One query, due again only in an hour; no event tables, no watchdog: nothing in
    /// the agent has a reason to wake but the worker's telemetry (every 10 s).
    static func idle(watchdog: Bool = false, query name: String = hourly) -> String {
        """
        options:
          host_identifier: specified
          specified_identifier: wakeup-test
          disable_events: true
        \(watchdog ? "  watchdog_restart_delay_max: 0.1" : "  watchdog_level: -1")
        schedule:
          \(name):
            query: SELECT 1 AS one
            interval: 3600
        """
    }

    /// Voluntary context switches of `pid`'s threads; without libdispatch's manager
    /// thread when asked (named "com.apple.root.default-qos.overcommit", cut to its last
    /// 15 bytes), which nothing of the supervisor's runs on.
    /// Sleep all of `seconds`: sleep(3) returns early when a signal arrives, and a full
    /// run's other tests end child processes (SIGCHLD) all the time; a window cut short
    /// counted too few of the supervisor's wake-ups in CI.
    static func pause(_ seconds: Double) {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            let left = end - ContinuousClock.now
            var request = timespec(tv_sec: Int(left.components.seconds), tv_nsec: Int(left.components.attoseconds / 1_000_000_000))
            _ = nanosleep(&request, nil)
        }
    }

    static func sleepsEnded(_ pid: pid_t, exceptDispatchManager: Bool = false) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.reduce(0) { total, tid in
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/comm", encoding: .utf8)) ?? ""
            if exceptDispatchManager && comm.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("qos.overcommit") { return total }
            let status = (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches:") }
            return total + (line.flatMap { Int($0.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0)
        }
    }

    /// Over 10 idle seconds the supervisor (watchdog off) wakes at most once, to release
    /// its start-up code; before, its loop woke every 50 ms (about 200 times). The
    /// worker's threads woke 12 times here: libdispatch's own workqueue monitor wakes
    /// its manager thread every second in any process that has used dispatch's global
    /// queues (Swift concurrency does), plus the 10 s telemetry. The scheduler's old
    /// one-second tick added a timer firing and a task wake-up each second.
    @Test func idleAgentSleeps() throws {
        let agent = try RunningAgent(config: Self.idle())
        try #require(agent.wait(30) { try agent.results().contains { $0["name"] as? String == Self.hourly } }, "\(agent.log)")
        let worker = try #require(agent.workerPID)
        // Let start-up (the first run, the admin socket, the outputs) settle.
        Self.pause(1)
        let before = (Self.sleepsEnded(agent.pid, exceptDispatchManager: true), Self.sleepsEnded(worker))
        Self.pause(10)
        let after = (Self.sleepsEnded(agent.pid, exceptDispatchManager: true), Self.sleepsEnded(worker))
        let supervisor = after.0 - before.0, workerWakes = after.1 - before.1
        #expect(agent.workerPID == worker, "the worker was restarted: \(agent.log)")
        #expect(supervisor <= 1, "the idle supervisor woke \(supervisor) times in 10 s")
        #expect(workerWakes <= 16, "the idle worker's threads woke \(workerWakes) times in 10 s")
    }

    /// With the watchdog on, the supervisor wakes for its samples (every 2 s) and for
    /// nothing else.
    @Test func watchdogSamplesAreTheSupervisorsOnlyWakeups() throws {
        let agent = try RunningAgent(config: Self.idle(watchdog: true))
        try #require(agent.wait(30) { try agent.results().contains { $0["name"] as? String == Self.hourly } }, "\(agent.log)")
        Self.pause(1)
        let before = Self.sleepsEnded(agent.pid, exceptDispatchManager: true)
        Self.pause(10)
        let wakes = Self.sleepsEnded(agent.pid, exceptDispatchManager: true) - before
        #expect(wakes >= 4 && wakes <= 7, "the supervisor woke \(wakes) times in 10 s")
    }

    /// SIGHUP wakes the sleeping scheduler: a query added to the config runs at once,
    /// though the scheduler had nothing due for an hour.
    @Test func reloadWakesTheSleepingScheduler() throws {
        let agent = try RunningAgent(config: Self.idle())
        try #require(agent.wait(30) { try agent.results().contains { $0["name"] as? String == Self.hourly } }, "\(agent.log)")
        // The scheduler is asleep now, for a minute (its longest sleep).
        sleep(2)
        try Self.idle(query: Self.added).write(toFile: agent.dir + "/config.yaml", atomically: true, encoding: .utf8)
        let sent = Date()
        kill(agent.pid, SIGHUP)
        #expect(agent.wait(30) { try agent.results().contains { $0["name"] as? String == Self.added } }, "\(agent.log)")
        let took = Date().timeIntervalSince(sent)
        #expect(took < 3, "the new query ran \(took) s after SIGHUP")
    }

    /// A worker killed from outside is replaced as soon as the backoff allows (0.1 s
    /// here): the supervisor wakes on the worker's pidfd, not at its next 2 s sample.
    @Test func killedWorkerIsReplacedAtOnce() throws {
        let agent = try RunningAgent(config: Self.idle(watchdog: true))
        var gaps: [Double] = []
        for _ in 0..<5 {
            try #require(agent.wait(30) { agent.workerPID != nil }, "\(agent.log)")
            let worker = try #require(agent.workerPID)
            // Past the worker's start: the supervisor is back asleep.
            usleep(300_000)
            kill(worker, SIGKILL)
            let killed = Date()
            var replacement: pid_t?
            while replacement == nil && Date().timeIntervalSince(killed) < 10 {
                if let next = agent.workerPID, next != worker { replacement = next } else { usleep(5_000) }
            }
            try #require(replacement != nil, "no new worker within 10 s: \(agent.log)")
            gaps.append(Date().timeIntervalSince(killed))
        }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        #expect(gaps.allSatisfy { $0 < 1.5 } && mean < 0.6, "kill to new worker: \(gaps)")
        #expect(try agent.store().watchdogRecords().filter { $0.cause == "died" }.count == 5)
    }

    /// `vigil up` notices at once that its agent ended (it awaits the agent's pidfd),
    /// and reaps it.
    @Test func upNoticesItsAgentEndingAtOnce() throws {
        let up = try RunningUp()
        defer { up.stop() }
        let agent = try #require(up.agentPID, "\(up.log)")
        kill(agent, SIGKILL)
        let killed = Date()
        #expect(poll(10) { up.log.contains("the local agent ended") }, "\(up.log)")
        let took = Date().timeIntervalSince(killed)
        #expect(took < 0.5, "noticed \(took) s after the agent's end")
        // Reaped: no zombie left behind.
        #expect(poll(5) { !FileManager.default.fileExists(atPath: "/proc/\(agent)") })
    }

    /// SIGTERM to `vigil up` stops its agent, supervisor and worker, before `up` exits.
    @Test func upStopsItsAgentBeforeItEnds() throws {
        let up = try RunningUp()
        let agent = try #require(up.agentPID, "\(up.log)")
        try #require(poll(30) { livingChild(of: agent) != nil }, "the agent started no worker: \(up.log)")
        let worker = try #require(livingChild(of: agent))
        let status = up.stop()
        #expect(status == 0, "\(up.log)")
        #expect(kill(agent, 0) == -1 && errno == ESRCH, "the agent outlived vigil up")
        #expect(kill(worker, 0) == -1 && errno == ESRCH, "the agent's worker outlived vigil up")
    }
}

/// `vigil up` on a free loopback port, in a directory of its own.
final class RunningUp {
    let dir: String
    let pid: pid_t
    private var ended = false

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-up-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let port = try RunningServer.freePort()
        pid = try spawnClean(["/bin/sh", "-c", "exec '\(CLI.binary)' up --listen 127.0.0.1:\(port) --data-dir '\(dir)/up' >'\(dir)/up.out' 2>'\(dir)/up.log'"])
        try #require(poll(60) { log.contains("local agent started") }, "vigil up did not start its agent: \(log)")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    var log: String { (try? String(contentsOfFile: dir + "/up.log", encoding: .utf8)) ?? "" }

    /// The local agent's supervisor.
    var agentPID: pid_t? {
        var found: pid_t?
        _ = poll(10) { found = livingChild(of: pid); return found != nil }
        return found
    }

    /// SIGTERM and reap; the exit status.
    @discardableResult
    func stop() -> Int32? {
        guard !ended else { return nil }
        ended = true
        kill(pid, SIGTERM)
        return reap(pid)
    }
}
