import AsyncHTTPClient
import Logging
import ServiceLifecycle
import VigilOTLP
import VigilServerStore
import VigilSystem
import VigilWire

/// The server's OpenTelemetry export (`--otlp-endpoint`): the request handlers hand it
/// what they stored (telemetry points, profiles) and return at once; its service encodes
/// and sends in batches, on an executor of its own, retrying with backoff. Nothing an
/// agent sends waits on the collector: when the collector is away longer than these
/// in-memory queues last, the oldest items are dropped and counted
/// (vigil_otlp_dropped_items_total). Result and status lines and live-query answers do
/// not pass through here: OTLPStoreExport reads them from the store, durably.
final class OTLPExporter: Sendable {
    let configuration: OTLPExportConfiguration
    let metrics: OTLPQueue<OTLPMetricItem>
    let profiles: OTLPQueue<OTLPProfileItem>
    let serverMetrics: ServerMetrics
    static let executor = SerialTaskExecutor(label: "vigil.server.otlp")

    init(_ configuration: OTLPExportConfiguration, metrics serverMetrics: ServerMetrics) {
        self.configuration = configuration
        self.serverMetrics = serverMetrics
        metrics = OTLPQueue(limit: configuration.queueLimits.metrics)
        profiles = OTLPQueue(limit: configuration.queueLimits.profiles)
    }

    private func enqueued(_ signal: OTLPSignal, dropped: Int) {
        if dropped > 0 { serverMetrics.otlpDropped(signal: signal.rawValue, reason: "queue_full", count: dropped) }
    }

    func stored(telemetry points: [TelemetryPoint], host: HostRecord) {
        let h = OTLPHost(host)
        enqueued(.metrics, dropped: metrics.append(points.map { OTLPMetricItem.telemetry(host: h, point: $0) }))
    }

    func stored(profile id: Int64, pprof: [UInt8], host: HostRecord) {
        enqueued(.profiles, dropped: profiles.append(CollectionOfOne(OTLPProfileItem(host: OTLPHost(host), profileID: id, pprof: pprof))))
    }

    /// The senders, one per signal, and the fleet sampler, as one service.
    /// `owner` names this server to the others on its database (the log cursor's lease).
    func service(store: any ServerStore, serverName: String, owner: String, offlineAfterSeconds: Int64, logger: Logger) -> any Service {
        OTLPExportService(exporter: self, store: store, serverName: serverName, owner: owner, offlineAfterSeconds: offlineAfterSeconds, logger: logger)
    }

    /// A batch of `signal` as a request body, and how many items it holds; nil when none
    /// wait (always for logs, which OTLPStoreExport reads from the store).
    func nextBatch(_ signal: OTLPSignal, logger: Logger) -> (body: [UInt8], items: Int)? {
        let size = configuration.batchSize
        switch signal {
        case .logs:
            return nil
        case .metrics:
            let batch = metrics.take(size)
            return batch.isEmpty ? nil : (OTLPMetricEncoding.exportRequest(batch), batch.count)
        case .profiles:
            // Profiles are large: a few per request.
            let batch = profiles.take(max(1, size / 64))
            guard !batch.isEmpty else { return nil }
            var builder = OTLPProfilesBuilder()
            var unreadable = 0
            for item in batch {
                do {
                    try builder.add(pprof: try Gzip.decompress(item.pprof, limit: 256 << 20), resource: item.host.resource, scope: OTLPHost.scope)
                } catch {
                    unreadable += 1
                    logger.warning("OTLP export: profile \(item.profileID) of \(item.host.hostIdentifier) cannot be read: \(error)")
                }
            }
            if unreadable > 0 { serverMetrics.otlpDropped(signal: signal.rawValue, reason: "unreadable", count: unreadable) }
            // None readable: on to the next ones (the queue ends the recursion).
            if builder.isEmpty { return nextBatch(signal, logger: logger) }
            return (builder.exportRequest(), batch.count - unreadable)
        }
    }
}
