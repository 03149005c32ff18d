import Foundation
import Testing
import VigilAgent
import VigilTestSupport

/// A `vigil agent` started by a test, with its own config and data directory, and the
/// ground truth around it: its state database, its results log, its worker in /proc.
final class RunningAgent {
    let dir: String
    let pid: pid_t
    var dataDirectory: String { dir + "/data" }

    /// An agent with `yaml` as its config and, when given, `flags` as its osquery
    /// flagfile. `prepare` runs with the agent's directory before the agent starts (to
    /// mount its data directory, say).
    init(config yaml: String, flags: String? = nil, prepare: (String) throws -> Void = { _ in }) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-agent-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try yaml.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        var flagfile = ""
        if let flags {
            try flags.write(toFile: dir + "/agent.flags", atomically: true, encoding: .utf8)
            flagfile = " --flagfile '\(dir)/agent.flags'"
        }
        try prepare(dir)
        pid = try spawnClean(["/bin/sh", "-c", "exec '\(CLI.binary)' agent --config '\(dir)/config.yaml'\(flagfile) --data-dir '\(dir)/data' 2>'\(dir)/agent.log'"])
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    private var stopped = false
    /// SIGTERM, as a service manager stops it; the agent stops its worker first.
    /// SIGKILL if it has not ended within `seconds`.
    @discardableResult
    func stop(within seconds: Int = 15) -> Int32? {
        guard !stopped else { return nil }
        stopped = true
        kill(pid, SIGTERM)
        for _ in 0..<(seconds * 20) {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xff }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        return reap(pid)
    }

    var log: String { (try? String(contentsOfFile: dir + "/agent.log", encoding: .utf8)) ?? "" }

    /// The worker: the supervisor's child.
    var workerPID: pid_t? { livingChild(of: pid) }

    /// A fresh connection to the agent's state, as an operator would open it.
    func store() throws -> StateStore { try StateStore(path: dataDirectory + "/state.db", durability: .processCrash) }

    /// The results log, one JSON object per line (rotated files first, oldest first).
    func results() throws -> [[String: Any]] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dataDirectory)
            .filter { $0.hasPrefix("results.log") }
            .sorted { a, b in
                func rank(_ n: String) -> Int { n == "results.log" ? 0 : Int(n.split(separator: ".").last ?? "") ?? 0 }
                return rank(a) > rank(b)
            }
        var out: [[String: Any]] = []
        for name in names {
            let text = try String(contentsOfFile: dataDirectory + "/" + name, encoding: .utf8)
            for line in text.split(separator: "\n") {
                out.append(try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)"))
            }
        }
        return out
    }

    /// Poll `condition` every 200 ms for up to `seconds`; an error (the state database
    /// not created yet) counts as not yet.
    func wait(_ seconds: Double, for condition: () throws -> Bool) -> Bool { poll(seconds, condition) }
}

/// A child of `parent` that is not a zombie, by ppid in /proc/PID/stat (this kernel has
/// no /proc/PID/task/TID/children).
func livingChild(of parent: pid_t) -> pid_t? {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for name in entries {
        guard let candidate = pid_t(name),
              let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        // A zombie waiting to be reaped is not a live child.
        if fields.count > 1, pid_t(fields[1]) == parent, fields[0] != "Z" { return candidate }
    }
    return nil
}
