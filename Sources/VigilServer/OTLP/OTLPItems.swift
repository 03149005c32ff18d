import VigilOTLP
import VigilServerStore
import VigilTables
import VigilWire

/// The three OTLP signals the server exports: logs and profiles from the store
/// (OTLPStoreExport), metrics from a queue in memory.
enum OTLPSignal: String, Sendable, CaseIterable {
    case logs
    case metrics
    case profiles

    var path: String {
        switch self {
        case .logs: OTLPLogs.path
        case .metrics: OTLPMetrics.path
        case .profiles: OTLPProfiles.path
        }
    }
}

/// A host as the resource of what it sent: OpenTelemetry's semantic convention names
/// (service.*, host.*, os.*), and the identifier it enrolled with.
struct OTLPHost: Sendable, Hashable {
    var id: Int64
    var hostIdentifier: String
    var hostname: String
    var uuid: String
    var agent: String
    var agentVersion: String
    var osName: String
    var osVersion: String

    init(_ host: HostRecord) {
        id = host.id
        hostIdentifier = host.hostIdentifier
        hostname = host.hostname
        uuid = host.uuid
        agent = host.agent
        agentVersion = host.agentVersion
        osName = host.osName
        osVersion = host.osVersion
    }

    var resource: OTLPResource {
        var a = [OTLPAttribute("service.name", .string(agent.isEmpty ? "osquery" : agent)),
                 OTLPAttribute("host.name", .string(hostname.isEmpty ? hostIdentifier : hostname))]
        if !uuid.isEmpty { a.append(OTLPAttribute("host.id", .string(uuid))) }
        if !agentVersion.isEmpty { a.append(OTLPAttribute("service.version", .string(agentVersion))) }
        a.append(OTLPAttribute("os.type", .string("linux")))
        if !osName.isEmpty { a.append(OTLPAttribute("os.name", .string(osName))) }
        if !osVersion.isEmpty { a.append(OTLPAttribute("os.version", .string(osVersion))) }
        a.append(OTLPAttribute("vigil.host.identifier", .string(hostIdentifier)))
        a.append(OTLPAttribute("vigil.host.id", .int(id)))
        return OTLPResource(a)
    }

    /// What the server itself adds: its name and version as the instrumentation scope.
    static let scope = OTLPScope(name: "vigil.server", version: VigilVersion.version)
}

/// A result or status line as stored, or a host's answer to a live query.
enum OTLPLogItem: Sendable {
    case line(host: OTLPHost, kind: String, unixTime: Int64, text: String, received: Int64)
    case answer(host: OTLPHost, campaign: Int64, rows: [[String: JSONValue]], received: Int64)
}

/// A host's telemetry point, or a snapshot of the fleet's own metrics.
enum OTLPMetricItem: Sendable {
    case telemetry(host: OTLPHost, point: TelemetryPoint)
    case fleet(OTLPResourceMetrics)
}

