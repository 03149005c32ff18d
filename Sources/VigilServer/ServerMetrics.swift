import Foundation
import Prometheus
import VigilServerStore
import VigilSystem

/// The server's own metrics, served at /metrics in Prometheus's text format: requests
/// and their latencies by route, ingestion, enrollments, live queries, database timings,
/// hosts online and the process's CPU and memory. Names start with `vigil_`; no label
/// names a host (a fleet of 100,000 would be 100,000 series), and routes are labelled by
/// their pattern (`/api/v1/hosts/{id}`), not the path asked for.
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    /// Seconds: 1 ms to 30 s (a held read lasts up to 25 s).
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "vigil", metricName: metric, unitName: unit, helpText: help)
    }

    private struct RequestKey: Hashable, Sendable { let route: String, method: String, status: Int }
    private struct BodyKey: Hashable, Sendable { let route: String, encoding: String }

    private let requests: MetricHandles<RequestKey, Counter>
    private let durations: MetricHandles<String, ValueHistogram>
    private let bodies: MetricHandles<BodyKey, Counter>
    private let operations: MetricHandles<String, ValueHistogram>
    private struct LineCounters: Sendable { let stored, duplicate, bytes: Counter }
    private let lines: MetricHandles<String, LineCounters>

    init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        requests = MetricHandles { key in
            registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests answered, by route pattern, method and status code"),
                                 labels: [("route", key.route), ("method", key.method), ("code", String(key.status))])
        }
        durations = MetricHandles { route in
            registry.makeValueHistogram(descriptor: Self.name("http_request_duration", "seconds", "Time to answer an HTTP request, by route pattern"),
                                        labels: [("route", route)], buckets: Self.buckets)
        }
        bodies = MetricHandles { key in
            registry.makeCounter(descriptor: Self.name("http_request_body", "bytes_total", "Bytes of request bodies as sent (Content-Length), by route pattern and Content-Encoding (gzip or identity)"),
                                 labels: [("route", key.route), ("encoding", key.encoding)])
        }
        operations = MetricHandles { operation in
            registry.makeValueHistogram(descriptor: Self.name("database_operation_duration", "seconds", "Time of one store read or write transaction, queueing included"),
                                        labels: [("operation", operation)], buckets: Self.buckets)
        }
        lines = MetricHandles { kind in
            let help = "Result and status lines received from agents: stored, or a resend already stored"
            return LineCounters(
                stored: registry.makeCounter(descriptor: Self.name("log_lines", "total", help), labels: [("log_type", kind), ("outcome", "stored")]),
                duplicate: registry.makeCounter(descriptor: Self.name("log_lines", "total", help), labels: [("log_type", kind), ("outcome", "duplicate")]),
                bytes: registry.makeCounter(descriptor: Self.name("log_bytes", "total", "Bytes of result and status lines received from agents"),
                                            labels: [("log_type", kind)]))
        }
    }

    func request(route: String, method: String, status: Int, seconds: Double) {
        requests[RequestKey(route: route, method: method, status: status)].increment()
        durations[route].record(seconds)
    }

    func requestBody(route: String, encoding: String, bytes: Int) {
        bodies[BodyKey(route: route, encoding: encoding)].increment(by: Int64(bytes))
    }

    func database(operation: String, seconds: Double) {
        operations[operation].record(seconds)
    }

    func enrollment(accepted: Bool) {
        enrollment(result: accepted ? "accepted" : "refused")
    }

    /// An attempt over its source's rate (answered 429, its body unread).
    func enrollmentLimited() { enrollment(result: "rate_limited") }

    private func enrollment(result: String) {
        registry.makeCounter(descriptor: Self.name("enrollments", "total", "Enrollment requests, accepted, refused or rate-limited"),
                             labels: [("result", result)]).increment()
    }

    func logLines(kind: String, stored: Int, duplicates: Int, bytes: Int) {
        let counters = lines[kind]
        counters.stored.increment(by: Int64(stored))
        counters.duplicate.increment(by: Int64(duplicates))
        counters.bytes.increment(by: Int64(bytes))
    }

    func liveQueryStarted(targets: Int) {
        registry.makeCounter(descriptor: Self.name("live_queries", "total", "Live queries started")).increment()
        registry.makeCounter(descriptor: Self.name("live_query_targets", "total", "Hosts targeted by live queries")).increment(by: Int64(targets))
    }

    func liveQueryAnswer(failed: Bool) {
        registry.makeCounter(descriptor: Self.name("live_query_answers", "total", "Hosts' answers to live queries"),
                             labels: [("result", failed ? "failed" : "answered")]).increment()
    }

    /// OpenTelemetry export: items (result lines and answers, telemetry points, profiles) the collector took.
    func otlpExported(signal: String, count: Int) {
        registry.makeCounter(descriptor: Self.name("otlp_exported_items", "total", "Items exported to the OTLP endpoint: result and status lines and live-query answers (logs), telemetry points and fleet snapshots (metrics), profiles"),
                             labels: [("signal", signal)]).increment(by: Int64(count))
    }

    /// Items not exported: the queue was full (the oldest dropped), the collector refused them (all, or some: its
    /// partial success), they could not be read, the server stopped, or retention deleted lines not yet exported.
    func otlpDropped(signal: String, reason: String, count: Int) {
        registry.makeCounter(descriptor: Self.name("otlp_dropped_items", "total", "Items not exported to the OTLP endpoint, by reason: queue_full (oldest dropped), rejected, partially_rejected (the collector's count), unreadable, shutdown, retention (result and status lines deleted before they were exported)"),
                             labels: [("signal", signal), ("reason", reason)]).increment(by: Int64(count))
    }

    /// Lines sent again after a restart: the batch under way when the exporter stopped, which
    /// the collector may have had already (at most one batch; the duplicates there can be).
    func otlpResent(signal: String, count: Int) {
        registry.makeCounter(descriptor: Self.name("otlp_resent_items", "total", "Items exported again after the server restarted: the batch in flight when it stopped, which the collector may already have (possible duplicates)"),
                             labels: [("signal", signal)]).increment(by: Int64(count))
    }

    func otlpRequest(signal: String, outcome: String) {
        registry.makeCounter(descriptor: Self.name("otlp_requests", "total", "Export requests to the OTLP endpoint, by outcome: delivered, retry (unreachable, 429, 502, 503, 504) or rejected"),
                             labels: [("signal", signal), ("outcome", outcome)]).increment()
    }

    /// The gauges read at scrape time: hosts by status and this process's own figures.
    func refresh(store: any ServerStore, offlineAfterSeconds: Int64) async {
        if let counts = try? await store.hostCounts(seenSince: FleetContext.now() - offlineAfterSeconds) {
            let hosts = Self.name("hosts", "", "Enrolled hosts by status (online: seen within the offline threshold)")
            registry.makeGauge(descriptor: hosts, labels: [("status", "online")]).set(Double(counts.online))
            registry.makeGauge(descriptor: hosts, labels: [("status", "offline")]).set(Double(counts.total - counts.online))
        }
        let me = ProcessSelf.sample()
        registry.makeGauge(descriptor: Self.name("process_cpu", "seconds", "The server process's CPU time (user and system) since it started")).set(me.cpuSeconds)
        registry.makeGauge(descriptor: Self.name("process_resident_memory", "bytes", "The server process's resident set")).set(Double(me.residentBytes))
        registry.makeGauge(descriptor: Self.name("process_open_fds", "", "The server process's open file descriptors")).set(Double(me.openFiles))
    }

    func text() -> [UInt8] { registry.emitToBuffer() }
}

/// This process's CPU time, resident set and open descriptors, from /proc/self.
enum ProcessSelf {
    static func sample() -> (cpuSeconds: Double, residentBytes: Int, openFiles: Int) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return (cpu, WorkingSet.residentBytes(), files)
    }
}
