import Foundation
import Testing
import VigilTestSupport

/// A real Prometheus (Debian's) scrapes a real `vigil server` over TLS with an API token,
/// as an operator would set it up, and answers queries over what it scraped.
@Suite(.ownThread, .serialized) struct PrometheusTests {
    static let prometheus = "/usr/bin/prometheus"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: prometheus) || ProcessInfo.processInfo.environment["CI"] == "true",
                   "needs Debian's prometheus (scripts/bootstrap)"))
    func aRealPrometheusScrapesTheServer() throws {
        let server = try RunningServer()
        let made = try CLI.run(["server", "token", "create", "--data-dir", server.dir, "--role", "observer", "--name", "prometheus"])
        #expect(made.status == 0, "\(made.stderr)")
        try made.stdout.trimmingCharacters(in: .whitespacesAndNewlines).write(toFile: server.dir + "/prometheus.token", atomically: true, encoding: .utf8)
        let agent = try RunningAgent(config: FleetTests.quietConfig, flags: server.agentFlags())
        let token = try server.adminToken()
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log)")

        let port = try RunningServer.freePort()
        let config = """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: vigil
                scheme: https
                metrics_path: /metrics
                tls_config:
                  ca_file: \(server.ca)
                authorization:
                  type: Bearer
                  credentials_file: \(server.dir)/prometheus.token
                static_configs:
                  - targets: ['127.0.0.1:\(server.port)']
            """
        try config.write(toFile: server.dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let check = try CLI.run(["check", "config", server.dir + "/prometheus.yml"], executable: "/usr/bin/promtool")
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let pid = try spawnClean(["/bin/sh", "-c", "exec \(Self.prometheus) --config.file='\(server.dir)/prometheus.yml' --storage.tsdb.path='\(server.dir)/tsdb' --web.listen-address=127.0.0.1:\(port) >'\(server.dir)/prometheus.log' 2>&1"])
        defer {
            kill(pid, SIGTERM)
            _ = reap(pid)
        }

        /// One instant query to Prometheus's HTTP API: each series' labels and value.
        func query(_ promql: String) throws -> [(labels: [String: String], value: Double)] {
            let url = "http://127.0.0.1:\(port)/api/v1/query?query=" + (promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            let result = try CLI.run(["-sS", "--max-time", "5", url], executable: "/usr/bin/curl")
            guard result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                  let data = object["data"] as? [String: Any], let series = data["result"] as? [[String: Any]] else { return [] }
            return series.compactMap { s in
                guard let labels = s["metric"] as? [String: String], let value = s["value"] as? [Any], value.count == 2,
                      let text = value[1] as? String, let number = Double(text) else { return nil }
                return (labels, number)
            }
        }
        let log = { (try? String(contentsOfFile: server.dir + "/prometheus.log", encoding: .utf8)) ?? "" }
        // The scrape succeeds (up is 1) and the host the agent is shows as online.
        #expect(poll(30) { try query(#"up{job="vigil"}"#).first?.value == 1 }, "the scrape failed: \(log())")
        #expect(poll(30) { try query(#"vigil_hosts{status="online"}"#).first?.value == 1 }, "no vigil_hosts: \(log())")
        // The agent's requests, counted by route, as Prometheus sees them.
        #expect(poll(30) {
            try query(#"sum(vigil_http_requests_total{route="/api/v1/osquery/enroll",code="200"})"#).first?.value == 1
        }, "no enrollment counted: \(log())")
        #expect(poll(30) { (try query("sum(vigil_http_requests_total)").first?.value ?? 0) >= 3 })
        // The scrape itself is counted too, and nothing failed on the way.
        #expect(try query(#"scrape_samples_scraped{job="vigil"}"#).first.map { $0.value > 20 } == true)
        #expect(!log().contains("level=error"), "\(log())")
    }
}
