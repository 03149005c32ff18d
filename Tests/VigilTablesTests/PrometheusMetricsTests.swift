import Foundation
import Glibc
import Testing
import VigilSQL
import VigilTables
import VigilTestSupport

/// prometheus_metrics against an HTTP server the test starts, serving a page in
/// Prometheus's text format that the test renders from its own list of samples
/// (comments, labels with blanks inside quotes, NaN, +Inf, a sample timestamp).
@Suite(.ownThread, .serialized) struct PrometheusMetricsTests {
    static let samples: [(name: String, value: Double)] = [
        ("vigil_requests_total", 1027), ("vigil_latency_seconds{quantile=\"0.5\",path=\"/a b\"}", 0.25),
        ("vigil_temperature_celsius", -3.5e-2), ("vigil_up", .infinity), ("vigil_ratio", .nan), ("vigil_big", 1.5e300),
    ]
    static var page: String {
        var lines = ["# HELP vigil_requests_total Requests.", "# TYPE vigil_requests_total counter"]
        for (i, s) in samples.enumerated() {
            let value = s.value.isNaN ? "NaN" : s.value == .infinity ? "+Inf" : String(s.value)
            lines.append(s.name + " " + value + (i == 0 ? " 1700000000000" : ""))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let server = """
    import http.server, sys
    page = sys.argv[2].encode()
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != '/metrics': self.send_error(404); return
            self.send_response(200); self.send_header('Content-Type', 'text/plain; version=0.0.4')
            self.send_header('Content-Length', str(len(page))); self.end_headers(); self.wfile.write(page)
        def log_message(self, *a): pass
    http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
    """

    @Test func samplesOfEachTarget() throws {
        let port = try TCPListener.freePort()
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", Self.server, String(port), Self.page]
        try python.run()
        defer { kill(python.processIdentifier, SIGKILL); python.waitUntilExit() }
        let url = "http://127.0.0.1:\(port)/metrics"
        _ = try shell(["curl", "-s", "--retry", "30", "--retry-connrefused", "--retry-delay", "0", "-o", "/dev/null", url])
        let refused = "http://127.0.0.1:\(try TCPListener.freePort())/metrics"
        let targets = try PrometheusMetricsTable.Targets(json: "{\"urls\": [\"\(url)\", \"\(refused)\", \"http://127.0.0.1:\(port)/missing\"], \"timeout\": 2}")
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let rows = try Database(tables: [PrometheusMetricsTable(targets: targets)]).query("SELECT * FROM prometheus_metrics")
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        // Only the answering target has rows: one per sample, in the page's order.
        #expect(rows.map { $0["metric_name"]?.string } == Self.samples.map(\.name))
        for (row, sample) in zip(rows, Self.samples) {
            #expect(row["target_name"]?.string == url)
            if sample.value.isNaN { #expect(row["metric_value"] == .null) }
            else { #expect(row["metric_value"] == .double(sample.value), "\(sample.name)") }
            #expect((before...after).contains(row["timestamp_ms"]?.integer ?? 0))
        }

        // `vigil query`'s way: the same JSON in VIGIL_PROMETHEUS_TARGETS.
        setenv("VIGIL_PROMETHEUS_TARGETS", "{\"urls\": [\"\(url)\"]}", 1)
        defer { unsetenv("VIGIL_PROMETHEUS_TARGETS") }
        #expect(try query("SELECT count(*) AS n FROM prometheus_metrics").first?["n"]?.integer == Int64(Self.samples.count))
        setenv("VIGIL_PROMETHEUS_TARGETS", "{\"urls\": \"\(url)\"}", 1)
        #expect(throws: (any Error).self) { try query("SELECT * FROM prometheus_metrics") }
        unsetenv("VIGIL_PROMETHEUS_TARGETS")
        #expect(try query("SELECT * FROM prometheus_metrics").isEmpty)
    }
}
