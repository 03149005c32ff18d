import Foundation
import VigilOTLP
import VigilServerStore

/// Agents' telemetry points as OTLP metrics, each host its resource: CPU (percent of one
/// core, a gauge), resident memory and threads (semantic convention process.* names,
/// up-down sums as the conventions define them), and scheduled queries run (a monotonic
/// sum since the worker started). Fleet snapshots pass through as the sampler made them.
enum OTLPMetricEncoding {
    static func exportRequest(_ items: [OTLPMetricItem]) -> [UInt8] {
        var order: [OTLPHost] = []
        var points: [OTLPHost: [TelemetryPoint]] = [:]
        var fleet: [OTLPResourceMetrics] = []
        for item in items {
            switch item {
            case .telemetry(let host, let point):
                if points[host] == nil { order.append(host) }
                points[host, default: []].append(point)
            case .fleet(let snapshot): fleet.append(snapshot)
            }
        }
        let hosts = order.map { OTLPResourceMetrics(resource: $0.resource, scope: OTLPHost.scope, metrics: metrics(points[$0] ?? [])) }
        return OTLPMetrics.exportRequest(hosts + fleet)
    }

    static func metrics(_ points: [TelemetryPoint]) -> [OTLPMetric] {
        func at(_ p: TelemetryPoint) -> UInt64 { OTLPLogEncoding.nanoseconds(p.time) }
        return [
            OTLPMetric(name: "vigil.agent.cpu.usage", description: "The agent's CPU use since its previous sample, percent of one core", unit: "%",
                       kind: .gauge, points: points.map { OTLPNumberPoint(time: at($0), value: .double($0.cpuPercent)) }),
            OTLPMetric(name: "process.memory.usage", description: "The agent's resident memory", unit: "By",
                       kind: .cumulativeSum(monotonic: false), points: points.map { OTLPNumberPoint(time: at($0), value: .int($0.residentBytes)) }),
            OTLPMetric(name: "process.thread.count", description: "The agent's threads", unit: "{thread}",
                       kind: .cumulativeSum(monotonic: false), points: points.map { OTLPNumberPoint(time: at($0), value: .int($0.threads)) }),
            OTLPMetric(name: "vigil.agent.queries", description: "Scheduled queries the agent's worker has run since it started", unit: "{query}",
                       kind: .cumulativeSum(monotonic: true), points: points.map { OTLPNumberPoint(time: at($0), value: .int($0.queriesRun)) }),
        ]
    }

    /// The fleet now, as the server sees it: hosts online and offline, and the server's
    /// own CPU time and resident memory. The resource is this server.
    static func fleetSnapshot(store: any ServerStore, serverName: String, offlineAfterSeconds: Int64, started: Int64) async throws -> OTLPResourceMetrics {
        let now = FleetContext.now()
        let counts = try await store.hostCounts(seenSince: now - offlineAfterSeconds)
        let me = ProcessSelf.sample()
        let time = OTLPLogEncoding.nanoseconds(now), start = OTLPLogEncoding.nanoseconds(started)
        let resource = OTLPResource([
            OTLPAttribute("service.name", .string("vigil-server")),
            OTLPAttribute("service.version", .string(OTLPHost.scope.version)),
            OTLPAttribute("service.instance.id", .string(serverName)),
        ])
        return OTLPResourceMetrics(resource: resource, scope: OTLPHost.scope, metrics: [
            OTLPMetric(name: "vigil.hosts", description: "Enrolled hosts by status (online: seen within the offline threshold)", unit: "{host}", kind: .gauge, points: [
                OTLPNumberPoint(time: time, value: .int(Int64(counts.online)), attributes: [OTLPAttribute("vigil.host.status", .string("online"))]),
                OTLPNumberPoint(time: time, value: .int(Int64(counts.total - counts.online)), attributes: [OTLPAttribute("vigil.host.status", .string("offline"))]),
            ]),
            OTLPMetric(name: "process.cpu.time", description: "The server's CPU time (user and system)", unit: "s", kind: .cumulativeSum(monotonic: true),
                       points: [OTLPNumberPoint(time: time, value: .double(me.cpuSeconds), start: start)]),
            OTLPMetric(name: "process.memory.usage", description: "The server's resident memory", unit: "By", kind: .cumulativeSum(monotonic: false),
                       points: [OTLPNumberPoint(time: time, value: .int(Int64(me.residentBytes)))]),
        ])
    }
}
