import ArgumentParser
import Foundation
import VigilAgent
import VigilSystem

/// `vigil status`: the agent's health for a person, and for monitoring by its exit
/// status (0 healthy, 1 running but unhealthy, 2 not running).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Whether the agent runs and is healthy: its worker, CPU and memory, the schedule's last runs, denylisted queries, event and output losses.",
        discussion: "Exit status: 0 healthy, 1 running but unhealthy (each reason is printed), 2 not running."
    )

    @Option(help: "The agent's data directory.")
    var dataDir: String = AgentPaths.defaultDataDirectory

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let status = AgentStatus.collect(dataDirectory: dataDir)
        let out = Output(fd: 1)
        if json { out.line(Self.json(status)) } else { Self.text(status, to: out) }
        out.flush()
        if !status.healthy { throw ExitCode(status.running ? 1 : 2) }
    }

    static func text(_ s: AgentStatus, to out: Output) {
        let now = Int64(Date().timeIntervalSince1970)
        out.line("agent    \(s.running ? "running" : "not running") (\(s.dataDirectory))\(s.supervisorPID.map { ", supervisor pid \($0)" } ?? "")")
        if let pid = s.workerPID {
            let uptime = s.workerStartedAt.map { " up \(now - $0) s" } ?? ""
            out.line("worker   pid \(pid)\(uptime), CPU \(String(format: "%.2f", s.cpuPercent ?? 0))% of a core, \((s.residentBytes ?? 0) >> 20) MB resident")
        }
        if !s.queries.isEmpty {
            out.line("schedule \(s.queries.count) queries")
            for q in s.queries {
                let last = q.lastExecuted > 0 ? "last run \(now - q.lastExecuted) s ago" : "not run yet"
                let state = q.denylisted ? ", DENYLISTED" : q.lastError.map { ", last error: \($0)" } ?? ""
                out.line("  \(q.name.padded(to: 28, minimumGap: 1))every \(q.interval) s, \(q.executions) runs, \(last)\(state)")
            }
        }
        if s.running { out.line("losses   \(s.eventLosses) events, \(s.outputDrops) result records") }
        out.line(s.healthy ? "healthy" : "UNHEALTHY")
        for p in s.problems { out.line("  - \(p)") }
    }

    static func json(_ s: AgentStatus) -> String {
        var o: [String: Any] = ["data_dir": s.dataDirectory, "running": s.running, "healthy": s.healthy, "problems": s.problems,
                                "event_losses": s.eventLosses, "output_drops": s.outputDrops]
        if let v = s.supervisorPID { o["supervisor_pid"] = v }
        if let v = s.workerPID { o["worker_pid"] = v }
        if let v = s.workerStartedAt { o["worker_started_at"] = v }
        if let v = s.cpuPercent { o["cpu_percent"] = v }
        if let v = s.residentBytes { o["resident_bytes"] = v }
        o["queries"] = s.queries.map { q -> [String: Any] in
            var d: [String: Any] = ["name": q.name, "interval": q.interval, "executions": q.executions, "last_executed": q.lastExecuted, "denylisted": q.denylisted]
            if let e = q.lastError { d["last_error"] = e }
            return d
        }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
