import AsyncHTTPClient
import Logging
import ServiceLifecycle
import VigilOTLP
import VigilServerStore
import VigilSystem
import VigilWire

/// The server's OpenTelemetry export (`--otlp-endpoint`): the request handlers hand it
/// the telemetry points they stored and return at once; its service encodes and sends
/// them in batches, on an executor of its own, retrying with backoff. Nothing an agent
/// sends waits on the collector: when the collector is away longer than this in-memory
/// queue lasts, the oldest points are dropped and counted (vigil_otlp_dropped_items_total).
/// Result and status lines, live-query answers and profiles do not pass through here:
/// OTLPStoreExport reads them from the store, durably.
final class OTLPExporter: Sendable {
    let configuration: OTLPExportConfiguration
    let metrics: OTLPQueue<OTLPMetricItem>
    let serverMetrics: ServerMetrics
    static let executor = SerialTaskExecutor(label: "vigil.server.otlp")

    init(_ configuration: OTLPExportConfiguration, metrics serverMetrics: ServerMetrics) {
        self.configuration = configuration
        self.serverMetrics = serverMetrics
        metrics = OTLPQueue(limit: configuration.queueLimits.metrics)
    }

    /// Points into the queue; what the bound pushes out is counted.
    func enqueue(_ items: [OTLPMetricItem]) {
        let dropped = metrics.append(items)
        if dropped > 0 { serverMetrics.otlpDropped(signal: OTLPSignal.metrics.rawValue, reason: "queue_full", count: dropped) }
    }

    func stored(telemetry points: [TelemetryPoint], host: HostRecord) {
        let h = OTLPHost(host)
        enqueue(points.map { OTLPMetricItem.telemetry(host: h, point: $0) })
    }

    /// The exports and the fleet sampler, as one service.
    /// `owner` names this server to the others on its database (the cursors' leases).
    func service(store: any ServerStore, serverName: String, owner: String, offlineAfterSeconds: Int64, logger: Logger) -> any Service {
        OTLPExportService(exporter: self, store: store, serverName: serverName, owner: owner, offlineAfterSeconds: offlineAfterSeconds, logger: logger)
    }

    /// A batch of the queued metrics as a request body, and how many items it holds; nil when none wait.
    func nextMetricsBatch() -> (body: [UInt8], items: Int)? {
        let batch = metrics.take(configuration.batchSize)
        return batch.isEmpty ? nil : (OTLPMetricEncoding.exportRequest(batch), batch.count)
    }
}
