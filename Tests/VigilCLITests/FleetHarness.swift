import Foundation
import Testing
import VigilTestSupport

/// A `vigil server` process started by a test on a loopback port, and curl (an
/// independent TLS client, OpenSSL underneath) to speak to its API.
final class RunningServer {
    let dir: String
    let port: Int
    private(set) var pid: pid_t

    /// Start on `port` (a free one when nil) in `dir` (a new temporary one when nil).
    let extraArguments: String

    /// The open-file limit (soft and hard) the server starts under; nil: the test's own.
    let fileLimit: Int?

    init(port: Int? = nil, dir: String? = nil, arguments: String = "", fileLimit: Int? = nil) throws {
        extraArguments = arguments
        self.fileLimit = fileLimit
        self.dir = dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("vigil-server-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.dir, withIntermediateDirectories: true)
        self.port = try port ?? Self.freePort()
        pid = 0
        try start()
    }

    func start() throws {
        try? FileManager.default.removeItem(atPath: dir + "/server.out")
        let limit = fileLimit.map { "ulimit -n \($0); " } ?? ""
        pid = try spawnClean(["/bin/sh", "-c", limit + "exec '\(CLI.binary)' server --listen 127.0.0.1:\(port) --data-dir '\(dir)' \(extraArguments) >'\(dir)/server.out' 2>>'\(dir)/server.log'"])
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let out = try? String(contentsOfFile: dir + "/server.out", encoding: .utf8), out.contains("listening on") { return }
            usleep(100_000)
        }
        Issue.record("vigil server did not start listening within 30 s: \(log)")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        reap(pid)
        pid = 0
    }

    /// SIGKILL: no graceful shutdown, nothing flushed that was not already written.
    func kill9() {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        _ = reap(pid)
        pid = 0
    }

    var log: String { (try? String(contentsOfFile: dir + "/server.log", encoding: .utf8)) ?? "" }
    var url: String { "https://127.0.0.1:\(port)" }
    var ca: String { dir + "/tls/ca.pem" }

    /// The flags that point an agent at this server (osquery's names), plus `extra`.
    func agentFlags(_ extra: [String] = [], enrollSecretPath: String? = nil) -> String {
        ([
            "--tls_hostname=127.0.0.1:\(port)", "--tls_server_certs=\(ca)", "--enroll_secret_path=\(enrollSecretPath ?? dir + "/enroll_secret")",
            "--config_plugin=tls", "--config_refresh=2", "--logger_plugin=filesystem,tls", "--logger_tls_period=1",
            "--disable_distributed=false", "--distributed_plugin=tls", "--distributed_interval=2",
        ] + extra).joined(separator: "\n") + "\n"
    }

    /// A free port below the kernel's ephemeral range (`TCPListener.freePort`): a restarted
    /// server must find its port still free.
    static func freePort() throws -> Int { Int(try TCPListener.freePort()) }

    /// curl with the server's CA; the body parsed as JSON.
    func api(_ path: String, method: String = "GET", body: String? = nil, token: String? = nil) throws -> Any {
        var arguments = ["-sS", "--max-time", "30", "--cacert", ca, "-X", method]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let result = try CLI.run(arguments + [url + path], executable: "/usr/bin/curl")
        try #require(result.status == 0, "curl \(path): \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// The server's /metrics, as text.
    func metrics(token: String) throws -> String {
        let result = try CLI.run(["-sS", "--max-time", "30", "--cacert", ca, "-H", "Authorization: Bearer \(token)", url + "/metrics"], executable: "/usr/bin/curl")
        try #require(result.status == 0, "curl /metrics: \(result.stderr)")
        return result.stdout
    }

    /// The sum of a metric's samples whose labels include all of `labels` (e.g. `route="/x"`).
    static func sample(_ metrics: String, _ name: String, _ labels: [String]) -> Double {
        metrics.split(separator: "\n").filter { line in
            line.hasPrefix(name + "{") && labels.allSatisfy { line.contains($0) }
        }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    func adminToken() throws -> String {
        let password = try String(contentsOfFile: dir + "/admin_password", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let reply = try api("/api/v1/login", method: "POST", body: #"{"password":"\#(password)"}"#) as? [String: Any]
        return try #require(reply?["token"] as? String)
    }

    /// The hosts the API lists.
    func hosts(_ token: String) throws -> [[String: Any]] {
        ((try api("/api/v1/hosts", token: token) as? [String: Any])?["hosts"] as? [[String: Any]]) ?? []
    }

    /// Submit a live query to these hosts and wait up to `seconds` for it to be done: its
    /// state as the API last gave it (`done` false when time ran out).
    func liveQuery(_ sql: String, hosts: [String], token: String, seconds: Double = 15) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: ["sql": sql, "host_identifiers": hosts])
        let run = try api("/api/v1/queries/run", method: "POST", body: String(decoding: body, as: UTF8.self), token: token) as? [String: Any]
        let campaign = try #require(run?["campaign_id"] as? Int, "\(run ?? [:])")
        var answer: [String: Any] = [:]
        _ = wait(seconds) {
            answer = try api("/api/v1/queries/run/\(campaign)", token: token) as? [String: Any] ?? [:]
            return answer["done"] as? Bool == true
        }
        answer["campaign_id"] = campaign
        return answer
    }

    /// The `counter` of each stored result line of the query `name`, in the order stored.
    func counters(_ name: String, token: String) throws -> [Int] {
        let reply = try api("/api/v1/results?name=\(name)&per_page=1000", token: token) as? [String: Any]
        return ((reply?["results"] as? [[String: Any]]) ?? []).compactMap { $0["counter"] as? Int }
    }

    /// Poll `condition` every 200 ms for up to `seconds`.
    func wait(_ seconds: Double, for condition: () throws -> Bool) -> Bool { poll(seconds, condition) }
}
