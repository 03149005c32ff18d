import Glibc
import VigilSQL
import VigilSystem

/// `vigil status`: whether the agent of a data directory runs and is healthy, for a
/// person and for monitoring (its exit status). What it says comes from the lock the
/// supervisor holds and from the running worker's own tables, through the admin socket.
public struct AgentStatus: Sendable {
    public struct Query: Sendable {
        public var name: String
        public var interval: Int64
        public var executions: Int64
        public var lastExecuted: Int64
        public var denylisted: Bool
        public var lastError: String?
    }

    public var dataDirectory: String
    /// The supervisor holds DATA_DIR/agent.lock while it (or a worker it started) lives.
    public var running = false
    public var supervisorPID: Int32?
    public var workerPID: Int32?
    public var workerStartedAt: Int64?
    public var cpuPercent: Double?
    public var residentBytes: Int64?
    public var queries: [Query] = []
    /// Events lost in the kernel's ring buffer or dropped from a full store.
    public var eventLosses: Int64 = 0
    /// Result records an output gave up on.
    public var outputDrops: Int64 = 0
    /// What makes the agent unhealthy, in words; empty when it is healthy.
    public var problems: [String] = []

    public var healthy: Bool { running && problems.isEmpty }

    /// Look at the agent of `dataDirectory` now.
    public static func collect(dataDirectory: String, now: Int64 = Int64(time(nil))) -> AgentStatus {
        var status = AgentStatus(dataDirectory: dataDirectory)
        let lock = dataDirectory + "/agent.lock"
        guard lockIsHeld(lock) else {
            status.problems.append("no agent runs on \(dataDirectory) (\(lock) is not locked)")
            return status
        }
        status.running = true
        status.supervisorPID = (try? FileSystem.readText(lock, limit: 32)).flatMap { Int32($0.trimmingCharacters()) }
        let client = AdminClient(dataDirectory: dataDirectory)
        do {
            let telemetry = try rows(client, "SELECT pid, cpu_percent, resident_size FROM vigil_telemetry ORDER BY time DESC LIMIT 1")
            if let t = telemetry.first, t.count == 3 {
                status.workerPID = t[0].integer.map(Int32.init)
                status.cpuPercent = t[1].double
                status.residentBytes = t[2].integer
            }
            if let pid = status.workerPID, let stat = try? ProcessStat.read(pid) {
                status.workerStartedAt = ProcFS.bootTime() + stat.startTicks / Int64(sysconf(Int32(_SC_CLK_TCK)))
            }
            for r in try rows(client, "SELECT name, interval, executions, last_executed, denylisted, last_error FROM vigil_schedule ORDER BY name") where r.count == 6 {
                status.queries.append(Query(name: r[0].text ?? "", interval: r[1].integer ?? 0, executions: r[2].integer ?? 0,
                                            lastExecuted: r[3].integer ?? 0, denylisted: r[4].integer == 1, lastError: r[5].text))
            }
            let events = try rows(client, "SELECT coalesce(sum(lost_in_kernel + dropped_overflow), 0) FROM vigil_events")
            status.eventLosses = events.first?.first?.integer ?? 0
            let outputs = try rows(client, "SELECT coalesce(sum(dropped_records), 0) FROM vigil_outputs")
            status.outputDrops = outputs.first?.first?.integer ?? 0
        } catch {
            status.problems.append("the agent does not answer on its admin socket: \(error)")
            return status
        }
        for q in status.queries where q.denylisted { status.problems.append("query \(q.name) is denylisted by the watchdog") }
        // A query is late when it has not run for three of its intervals (and a minute of
        // slack for start-up): the scheduler is stuck or the worker keeps restarting.
        if let started = status.workerStartedAt {
            for q in status.queries where !q.denylisted && q.interval > 0 {
                let since = max(q.lastExecuted, started)
                if now - since > 3 * q.interval + 60 { status.problems.append("query \(q.name) has not run for \(now - since) s (interval \(q.interval) s)") }
            }
        }
        if status.eventLosses > 0 { status.problems.append("\(status.eventLosses) events lost (kernel ring buffer full or event store full)") }
        if status.outputDrops > 0 { status.problems.append("\(status.outputDrops) result records dropped by an output") }
        return status
    }

    /// Whether some process holds the flock on `path` (the supervisor, or its orphaned worker).
    static func lockIsHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    static func rows(_ client: AdminClient, _ sql: String) throws(AdminClientError) -> [[SQLValue]] {
        var out: [[SQLValue]] = []
        try client.send(AdminClient.queryRequest(sql), idleSeconds: 10) { (line: AdminJSON) throws(AdminClientError) in
            if let row = line["row"]?.array { out.append(row.map(AdminProtocol.decode)) }
        }
        return out
    }
}
