import VigilTables
import VigilYAML
import Yams

extension ConfigParser {
    static let prometheusKeys = ["urls", "timeout"]

    /// osquery's `prometheus_targets`: `urls` (http or https, one or a list) scraped by
    /// prometheus_metrics, and `timeout` (seconds for each, 1 by default).
    func parsePrometheusTargets(_ entry: Entry) throws(ConfigError) -> PrometheusMetricsTable.Targets {
        let fields = try entries(entry.value, known: Self.prometheusKeys, in: "prometheus_targets")
        guard let urls = fields["urls"] else { throw error("prometheus_targets has no urls; add urls: [\"http://…/metrics\"]", at: entry.keyNode) }
        var list: [String] = []
        for (url, node) in try strings(urls.value, for: "prometheus_targets.urls") {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw error("prometheus_targets.urls: '\(url)' is not an http:// or https:// URL", at: node)
            }
            list.append(url)
        }
        let timeout = try fields["timeout"].map { e throws(ConfigError) in
            try integer(e.value, for: "prometheus_targets.timeout", in: 1...3600)
        } ?? 1
        return PrometheusMetricsTable.Targets(urls: list, timeoutSeconds: timeout)
    }
}
