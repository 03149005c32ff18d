import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import VigilOTLP
import VigilServerStore
import VigilSystem

/// Runs the exporter: the durable exports of the stored lines, live-query answers and
/// profiles, the sender of the metrics' memory queue, and the fleet sampler, on the exporter's own executor, sharing one
/// HTTP client that is shut down when they end.
struct OTLPExportService: Service {
    let exporter: OTLPExporter
    let store: any ServerStore
    let serverName: String
    let owner: String
    let offlineAfterSeconds: Int64
    let logger: Logger

    func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let started = FleetContext.now()
        await withTaskExecutorPreference(OTLPExporter.executor) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await OTLPSender(signal: .metrics, exporter: exporter, client: client, logger: logger).runMetricsQueue() }
                for stream in ExportStream.allCases {
                    group.addTask {
                        let sender = OTLPSender(signal: stream == .profiles ? .profiles : .logs, exporter: exporter, client: client, logger: logger)
                        await OTLPStoreExport(stream: stream, sender: sender, store: store, owner: owner, logger: logger).run()
                    }
                }
                group.addTask { await sampleFleet(started: started) }
            }
        }
        try? await client.shutdown()
    }

    /// Every `fleetMetricsSeconds`, the fleet's own metrics into the metrics queue.
    func sampleFleet(started: Int64) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let snapshot = try await OTLPMetricEncoding.fleetSnapshot(store: store, serverName: serverName, offlineAfterSeconds: offlineAfterSeconds, started: started)
                exporter.enqueue([.fleet(snapshot)])
            } catch {
                logger.error("OTLP export: fleet metrics not read: \(error)")
            }
            await OTLPSender.pause(seconds: Double(exporter.configuration.fleetMetricsSeconds))
        }
    }
}

/// Sends one signal's batches in order. A batch is retried, with exponential backoff (1 s
/// doubling to 60 s, jittered, or the collector's Retry-After), while the collector is
/// unreachable or answers 429, 502, 503 or 504, as OTLP/HTTP asks; another refusal drops
/// it (counted as rejected). Meanwhile newer items wait: in the store, or in the bounded
/// metrics queue.
struct OTLPSender {
    let signal: OTLPSignal
    let exporter: OTLPExporter
    let client: HTTPClient
    let logger: Logger

    enum Outcome {
        /// Taken; the collector may still have refused some (OTLP's partial success).
        case delivered(rejected: Int64, message: String)
        case retry(after: Double?, reason: String)
        case rejected(String)
    }

    /// The metrics queue's sender (the store's exports call `deliver` themselves).
    func runMetricsQueue() async {
        var retries = RetryState()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard let batch = exporter.nextMetricsBatch() else {
                await Self.pause(seconds: 1)
                continue
            }
            if await deliver(batch.body, items: batch.items, retries: &retries) == .stopped {
                // On shutdown the batch is given up: nothing may hold the server's exit.
                exporter.serverMetrics.otlpDropped(signal: signal.rawValue, reason: "shutdown", count: batch.items)
                return
            }
        }
    }

    /// Failures in a row, and the last one said (said once, until the export resumes).
    struct RetryState {
        var failures = 0
        var lastError: String?
    }

    enum Delivery: Equatable {
        /// The collector took the batch (perhaps refusing some of it) or refused it all.
        case done
        /// The server began to stop, or `beforeAttempt` said no, before the collector took it.
        case stopped
    }

    /// Sends one batch, retrying while the collector is away. `beforeAttempt` runs before
    /// each try: the durable log export renews its lease there, and gives up when it lost it.
    func deliver(_ body: [UInt8], items: Int, retries: inout RetryState, beforeAttempt: () async -> Bool = { true }) async -> Delivery {
        while true {
            guard await beforeAttempt() else { return .stopped }
            let outcome = await post(body)
            exporter.serverMetrics.otlpRequest(signal: signal.rawValue, outcome: outcome.label)
            switch outcome {
            case .delivered(let rejected, let message):
                exporter.serverMetrics.otlpExported(signal: signal.rawValue, count: items)
                if rejected > 0 || !message.isEmpty {
                    // Counted in the collector's units (records, points, profiles), not queue items.
                    exporter.serverMetrics.otlpDropped(signal: signal.rawValue, reason: "partially_rejected", count: Int(rejected))
                    logger.warning("OTLP export: the collector refused \(rejected) of the \(signal.rawValue) sent: \(message)")
                }
                if retries.lastError != nil { logger.info("OTLP export of \(signal.rawValue) resumed") }
                retries = RetryState()
                return .done
            case .rejected(let why):
                exporter.serverMetrics.otlpDropped(signal: signal.rawValue, reason: "rejected", count: items)
                logger.warning("OTLP export: the collector refused \(items) \(signal.rawValue) items: \(why)")
                return .done
            case .retry(let after, let why):
                if why != retries.lastError { logger.warning("OTLP export of \(signal.rawValue) to \(exporter.configuration.endpoint): \(why); retrying") }
                retries.lastError = why
                retries.failures += 1
                let backoff = min(60, pow(2, Double(min(retries.failures - 1, 6)))) * Double.random(in: 0.8...1.2)
                await Self.pause(seconds: min(60, after ?? backoff))
                if Task.isShuttingDownGracefully || Task.isCancelled { return .stopped }
            }
        }
    }

    func post(_ body: [UInt8]) async -> Outcome {
        var request = HTTPClientRequest(url: exporter.configuration.endpoint + signal.path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        // gzip: every OTLP/HTTP receiver takes it, and result rows shrink several times.
        if let compressed = try? Gzip.compress(body) {
            request.headers.add(name: "Content-Encoding", value: "gzip")
            request.body = .bytes(ByteBuffer(bytes: compressed))
        } else {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        for header in exporter.configuration.headers { request.headers.add(name: header.name, value: header.value) }
        do {
            // Cancelled when the server begins to stop: a request to an absent collector
            // (the client retries the connection until its timeout) must not hold the exit.
            let (response, reply) = try await cancelWhenGracefulShutdown { [request] in
                let response = try await client.execute(request, timeout: .seconds(10))
                return (response, try await response.body.collect(upTo: 1 << 20))
            }
            let code = Int(response.status.code)
            if (200..<300).contains(code) {
                let partial = OTLPExportResponse.partialSuccess(Array(reply.readableBytesView))
                return .delivered(rejected: partial?.rejected ?? 0, message: partial?.message ?? "")
            }
            let why = "HTTP \(code) \(String(decoding: reply.readableBytesView.prefix(200), as: UTF8.self))"
            if [429, 502, 503, 504].contains(code) {
                return .retry(after: response.headers.first(name: "Retry-After").flatMap(Double.init), reason: why)
            }
            return .rejected(why)
        } catch {
            return .retry(after: nil, reason: "\(error)")
        }
    }

    /// A pause that ends early when the server begins to shut down.
    static func pause(seconds: Double) async {
        var left = seconds
        while left > 0 && !Task.isShuttingDownGracefully && !Task.isCancelled {
            await DispatchPause.seconds(min(left, 0.5))
            left -= 0.5
        }
    }
}

extension OTLPSender.Outcome {
    var label: String {
        switch self {
        case .delivered: "delivered"
        case .retry: "retry"
        case .rejected: "rejected"
        }
    }
}
