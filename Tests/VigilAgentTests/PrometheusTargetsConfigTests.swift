import Foundation
import Glibc
import Testing
import VigilSQL
import VigilTables
@testable import VigilAgent
import VigilTestSupport

/// osquery's `prometheus_targets` in the agent's config: parsed with its errors,
/// and handed to the prometheus_metrics table the scheduled queries read, which
/// scrapes a real HTTP server the test starts.
@Suite(.ownThread) struct PrometheusTargetsConfigTests {
    @Test func osqueryJSONConfig() throws {
        let json = #"{"schedule": {}, "prometheus_targets": {"timeout": 5, "urls": ["http://127.0.0.1:9100/metrics", "https://example.org/m"]}}"#
        let loaded = try ConfigLoader.parse(json, file: "osquery.conf")
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.config.prometheusTargets == PrometheusMetricsTable.Targets(urls: ["http://127.0.0.1:9100/metrics", "https://example.org/m"], timeoutSeconds: 5))
        #expect(try ConfigLoader.parse("prometheus_targets:\n  urls: http://h/metrics\n", file: "a.yaml").config.prometheusTargets?.timeoutSeconds == 1)
        #expect(try ConfigLoader.parse("schedule: {}\n", file: "a.yaml").config.prometheusTargets == nil)
        // An unknown key is a warning, as elsewhere in the config.
        let extra = try ConfigLoader.parse("prometheus_targets:\n  urls: [http://h/m]\n  interval: 3\n", file: "a.yaml")
        #expect(extra.warnings.contains { "\($0)".contains("interval") })
    }

    @Test func badTargetsAreErrorsWithTheirPlace() {
        for (yaml, message) in [("prometheus_targets:\n  timeout: 2\n", "has no urls"),
                                ("prometheus_targets:\n  urls: [ftp://h/m]\n", "is not an http"),
                                ("prometheus_targets:\n  urls: [http://h/m]\n  timeout: 0\n", "timeout")] {
            do {
                _ = try ConfigLoader.parse(yaml, file: "a.yaml")
                Issue.record("no error for \(yaml)")
            } catch {
                #expect("\(error)".contains(message) && "\(error)".contains("a.yaml:"), "\(error)")
            }
        }
    }

    @Test func theAgentsTableScrapesTheConfiguredTargets() throws {
        // A one-sample page from a server of the test's own (Python's http.server).
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "# TYPE vigil_agent_test gauge\nvigil_agent_test{a=\"b\"} 42\n".write(to: dir.appendingPathComponent("metrics"), atomically: true, encoding: .utf8)
        let port = Int.random(in: 20_000..<60_000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", dir.path, String(port)]
        server.standardError = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        let config = try ConfigLoader.parse("prometheus_targets:\n  urls: [\"http://127.0.0.1:\(port)/metrics\"]\n", file: "a.yaml").config
        let targets = try #require(config.prometheusTargets)
        let table = try #require(TableRegistry.all(adding: [PrometheusMetricsTable(targets: targets)])
            .filter { $0.schema.name == "prometheus_metrics" }.first)
        #expect(TableRegistry.all(adding: [table]).filter { $0.schema.name == "prometheus_metrics" }.count == 1)
        let db = try Database(tables: [table])
        var rows: [[String: SQLValue]] = []
        for _ in 0..<50 where rows.isEmpty {
            rows = try db.query("SELECT metric_name, metric_value FROM prometheus_metrics")
            if rows.isEmpty { usleep(100_000) }
        }
        #expect(rows.map { $0["metric_name"]?.text } == ["vigil_agent_test{a=\"b\"}"])
        #expect(rows.first?["metric_value"] == .double(42))
    }
}
