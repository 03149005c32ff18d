import Glibc
import VigilSQL
import VigilSystem

/// The one screen `vigil agent --live` (and `make run`) shows: the worker's own cost,
/// the queries it ran, its events and profiles, what the watchdog did. Read from the
/// state store, /proc and the data directory by the supervisor; only the event counts,
/// which live in the worker's memory, are asked of it (admin socket).
public final class LiveSummary {
    let store: StateStore
    let dataDirectory: String
    let logPath: String?
    private var previous: (pid: Int32, cpu: Int64, at: Int64)?
    private var lastDrawn: Int64 = 0

    public init(store: StateStore, dataDirectory: String, logPath: String? = nil) {
        self.store = store
        self.dataDirectory = dataDirectory
        self.logPath = logPath
    }

    /// Redraw, at most every 2 s.
    public func render(workerPID pid: Int32) {
        let now = Clock.monotonicNanoseconds()
        guard now - lastDrawn >= 2_000_000_000 else { return }
        lastDrawn = now
        FileDescriptorText.write("\u{1b}[H\u{1b}[2J" + text(workerPID: pid, now: now), to: 1)
    }

    func text(workerPID pid: Int32, now: Int64) -> String {
        var out = "vigil agent — data in \(dataDirectory) — Ctrl-C to stop\n\n"
        if let stat = try? ProcessStat.read(pid) {
            let cpu = (stat.userTicks + stat.systemTicks) * 1_000_000_000 / ProcFS.ticksPerSecond
            var percent = "…"
            if let p = previous, p.pid == pid, now > p.at {
                percent = Self.fixed(Double(cpu - p.cpu) * 100 / Double(now - p.at)) + "%"
            }
            previous = (pid, cpu, now)
            out += "worker \(pid): cpu \(percent) of one core, rss \(Self.fixed(Double(stat.residentPages * ProcFS.pageSize) / 1_048_576)) MB, \(stat.threads) threads\n"
        } else {
            out += "worker: starting\n"
        }
        let stats = (try? store.allStats()) ?? []
        let runs = stats.reduce(0) { $0 + $1.executions }
        let errors = stats.reduce(0) { $0 + $1.errors }
        let denied = (try? store.denylisted(at: Clock.realtimeNanoseconds() / 1_000_000_000)) ?? []
        out += "queries: \(runs) runs of \(stats.count) queries, \(errors) failed, \(denied.count) denylisted\n\n"
        out += "latest runs:\n"
        for s in stats.sorted(by: { ($0.lastExecuted ?? 0) > ($1.lastExecuted ?? 0) }).prefix(8) {
            let cpuMs = (s.lastUserMicroseconds + s.lastSystemMicroseconds) / 1000
            out += "  \(s.name.padded(to: 28)) \(String(s.lastRows).padded(to: 6)) rows \(String(s.lastWallTimeMilliseconds).padded(to: 6)) ms wall \(String(cpuMs).padded(to: 6)) ms cpu"
            out += s.lastError.map { "  error: \($0)" } ?? ""
            out += "\n"
        }
        out += eventsLine() + profilesLine()
        let events = (try? store.watchdogRecords()) ?? []
        out += "\nwatchdog: \(events.count) worker ends recorded"
        if let last = events.last { out += "; last: \(last.detail)\(last.query.map { " while running \($0)" } ?? "")" }
        out += "\n"
        for d in denied { out += "  denylisted \(d.name) until \(d.until): \(d.measured)\n" }
        if let logPath, let text = Self.tail(logPath) {
            out += "\nlog (\(logPath)):\n"
            for line in text.split(separator: "\n").suffix(6) { out += "  " + line.prefix(160) + "\n" }
        }
        return out
    }

    /// Events per table, asked of the worker through its admin socket (they live in its
    /// memory): one small query per redraw, and only with --live.
    func eventsLine() -> String {
        var parts: [String] = []
        let client = AdminClient(dataDirectory: dataDirectory)
        let sql = "SELECT name, events, lost_in_kernel + dropped_overflow, active FROM vigil_events"
        let asked: Void? = try? client.send(AdminClient.queryRequest(sql), idleSeconds: 1) { (line: AdminJSON) throws(AdminClientError) in
            guard let row = line["row"]?.array, row.count == 4 else { return }
            let name = (row[0].string ?? "?").replacingOccurrences(of: "_events", with: "")
            guard row[3].integer == 1 || row[3].string == "1" else { return parts.append("\(name) off") }
            let lost = row[2].integer ?? Int64(row[2].string ?? "") ?? 0
            parts.append("\(name) \(row[1].integer ?? Int64(row[1].string ?? "") ?? 0)" + (lost > 0 ? " (\(lost) lost)" : ""))
        }
        guard asked != nil, !parts.isEmpty else { return "\nevents: (the worker is not answering yet)\n" }
        return "\nevents: " + parts.joined(separator: ", ") + "\n"
    }

    /// Continuous profiles written (DATA_DIR/profiles), when profiling is on.
    func profilesLine() -> String {
        guard let files = try? FileSystem.list(dataDirectory + "/profiles"), !files.isEmpty else {
            return "profiles: none (set profiling_interval to profile continuously)\n"
        }
        return "profiles: \(files.count) in \(dataDirectory)/profiles, newest \(files.max() ?? "")\n"
    }

    /// The last 8 KiB of a file (the log grows; the summary shows its end).
    static func tail(_ path: String, bytes: Int = 8192) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        lseek(fd, max(0, end - off_t(bytes)), SEEK_SET)
        var buffer = [UInt8](repeating: 0, count: bytes)
        let n = read(fd, &buffer, bytes)
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(n), as: UTF8.self)
    }

    static func fixed(_ v: Double) -> String {
        let tenths = Int64((v * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
