import Glibc
import VigilSQL
import VigilSystem

/// `prometheus_metrics`: every sample of the configured Prometheus targets, scraped
/// with one GET each (the text exposition format). The targets are osquery's
/// config key `prometheus_targets` ({"urls": [...], "timeout": seconds, 1 by
/// default}): the agent reads it from its config; `vigil query`, which has no
/// config, takes the same JSON object from the environment variable
/// VIGIL_PROMETHEUS_TARGETS. No targets, no rows; a target that does not answer 200
/// gives no rows. A scrape keeps at most 16 MiB of a body.
public struct PrometheusMetricsTable: VirtualTable {
    public let schema = TableSchema("prometheus_metrics", "Retrieve metrics from a Prometheus server.", [
        Column("target_name", .text, "Address of prometheus target"),
        Column("metric_name", .text, "Name of collected Prometheus metric"),
        Column("metric_value", .double, "Value of collected Prometheus metric"),
        Column("timestamp_ms", .bigint, "Unix timestamp of collected data in MS"),
    ])
    static let environmentVariable = "VIGIL_PROMETHEUS_TARGETS"
    static let maxBody = 16 << 20

    /// osquery's `prometheus_targets` value.
    public struct Targets: Sendable, Equatable {
        public var urls: [String]
        public var timeoutSeconds: Int

        public init(urls: [String], timeoutSeconds: Int = 1) {
            self.urls = urls
            self.timeoutSeconds = timeoutSeconds
        }

        /// The JSON object `{"urls": [...], "timeout": N}`; an error names what is wrong.
        public init(json: String) throws {
            guard let doc = JSONValue.parse(Array(json.utf8)), case .object = doc else {
                throw TableError("prometheus_targets: not a JSON object: \(json)")
            }
            guard let urls = doc["urls"]?.array?.compactMap(\.string), urls.count == doc["urls"]?.array?.count else {
                throw TableError("prometheus_targets: \"urls\" must be an array of URLs")
            }
            let timeout = doc["timeout"].map { $0.number.map { Int(exactly: $0) } ?? nil } ?? 1
            guard let timeout, timeout > 0, timeout <= 3600 else {
                throw TableError("prometheus_targets: \"timeout\" must be a whole number of seconds from 1 to 3600")
            }
            self.init(urls: urls, timeoutSeconds: timeout)
        }
    }

    let targets: Targets?

    /// The targets of VIGIL_PROMETHEUS_TARGETS, read when a query scans the table.
    public init() { targets = nil }

    public init(targets: Targets) { self.targets = targets }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let targets = try targets ?? Self.environmentTargets() else { return RowSequence([]) }
        var rows: [Row] = []
        for url in targets.urls { rows += try scrape(url, timeoutSeconds: targets.timeoutSeconds) }
        return RowSequence(rows)
    }

    static func environmentTargets() throws -> Targets? {
        guard let text = getenv(environmentVariable).map({ String(cString: $0) }), !text.isEmpty else { return nil }
        return try Targets(json: text)
    }

    /// One target's samples, stamped with the time of the scrape; none when it did not answer 200.
    func scrape(_ url: String, timeoutSeconds: Int) throws -> [Row] {
        let response: CurlRequest.Response
        do {
            response = try CurlRequest.request("GET", url, userAgent: "osquery", timeoutMilliseconds: timeoutSeconds * 1000, maxBody: Self.maxBody)
        } catch { throw TableError("prometheus_metrics: \(error)") }
        guard response.responseCode == 200 else { return [] }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let stamp = Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
        return PrometheusText.samples(String(decoding: response.body, as: UTF8.self)).map { sample in
            var row = Row(schema)
            row["target_name"] = .text(url)
            row["metric_name"] = .text(sample.name)
            row["metric_value"] = sample.value.isNaN ? .null : .double(sample.value)
            row["timestamp_ms"] = .integer(stamp)
            return row
        }
    }
}
