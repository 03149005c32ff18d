import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import VigilServerStore
import VigilWebUI

/// Where and how `vigil server` (and `vigil up`) serves.
public struct FleetServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8443
    public var dataDirectory: String
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// PostgreSQL, or nil for the embedded SQLite database DATA_DIR/server.db.
    public var postgres: PostgresURL?
    public var options = ServerOptions()
    /// Where requests that leave the event loop run (`OffLoop`: the web UI's, the API's,
    /// large agent bodies): the cooperative pool when nil. A program whose pool other
    /// work can hold (a test suite's synchronous tests) gives an executor of its own.
    public var requestExecutor: (any TaskExecutor)?
    /// The agents' listener's event loops: NIO's shared group (a thread per core) when nil.
    public var eventLoops: (any EventLoopGroup)?

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// Where the web UI and the REST API are served on their own (`--ui-listen`), or nil
    /// to serve them on the agents' address. Apart, they have an event loop of their own:
    /// a person's request does not wait behind thousands of agents' (5.2 s measured
    /// during a live query to 10,000 agents), and the UI need not be reachable from
    /// where the agents are. The agents' address then serves only the agents' endpoints
    /// and the health checks.
    public var uiListen: ListenAddress?

    /// `ADDR:PORT`, `[IPV6]:PORT` or `:PORT`.
    public mutating func setListen(_ text: String) throws {
        let address = try ListenAddress(text, option: "--listen")
        host = address.host
        port = address.port
    }
}

/// An address and port to serve on.
public struct ListenAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `ADDR:PORT`, `[IPV6]:PORT` or `:PORT` (all addresses); `option` names it in the error.
    public init(_ text: String, option: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw StoreFileError("\(option) takes ADDR:PORT (for example 127.0.0.1:8443 or 0.0.0.0:8443), not '\(text.prefix(60))'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}

/// The ports the server listens on once it serves (the bound ones, also with port 0).
public struct ServerPorts: Sendable, Equatable {
    /// The agents' endpoints (and, on one listener, everything).
    public var agents: Int
    /// The web UI and REST API: `agents` when they share it.
    public var people: Int
}

/// The fleet server, composed: the store, the TLS identity, the osquery endpoints, the
/// REST API and the maintenance service, run as one service group. `prepare` does the
/// first start's set-up (TLS files, the enroll secret, the admin password) so that the
/// command can print what a newcomer needs before serving.
public final class FleetServer: Sendable {
    public let configuration: FleetServerConfiguration
    public let tls: ServerTLS
    public let store: any ServerStore
    public let enrollSecretPath: String
    /// Set on the first start only: the admin password, also in DATA_DIR/admin_password.
    public let newAdminPassword: String?
    let metrics: ServerMetrics
    let logger: Logger

    public static func prepare(_ configuration: FleetServerConfiguration, logger: Logger) async throws -> FleetServer {
        let dir = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let metrics = ServerMetrics()
        let store = try await openStore(configuration, logger: logger).timed { metrics.database(operation: $0, seconds: $1) }
        var hostnames = ["localhost"]
        if let name = try? String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8) {
            hostnames.append(name.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let tls = try ServerTLS.prepare(dataDirectory: dir, certificate: configuration.tlsCertificate, key: configuration.tlsKey, hostnames: hostnames)

        // The default enroll secret: made once, kept in the file and the store.
        let secretPath = dir + "/enroll_secret"
        if let existing = try? String(contentsOfFile: secretPath, encoding: .utf8) {
            try await store.addEnrollSecret(existing.trimmingCharacters(in: .whitespacesAndNewlines), name: "default")
        } else {
            let secret = Secrets.newPassword()
            try ServerTLS.write(secret + "\n", to: secretPath, mode: 0o600)
            try await store.addEnrollSecret(secret, name: "default")
        }
        var newPassword: String?
        if try await store.setting("admin_password_hash") == nil {
            let password = Secrets.newPassword()
            try ServerTLS.write(password + "\n", to: dir + "/admin_password", mode: 0o600)
            try await store.setSetting("admin_password_hash", await Secrets.passwordHash(password))
            newPassword = password
        }
        return FleetServer(configuration: configuration, tls: tls, store: store, enrollSecretPath: secretPath, newAdminPassword: newPassword,
                           metrics: metrics, logger: logger)
    }

    /// The store the configuration names: PostgreSQL, or the embedded SQLite file.
    public static func openStore(_ configuration: FleetServerConfiguration, logger: Logger) async throws -> SQLServerStore {
        if let url = configuration.postgres {
            return try await .postgres(url, timeout: .seconds(configuration.options.databaseTimeoutSeconds), logger: logger)
        }
        return try .sqlite(path: configuration.dataDirectory + "/server.db")
    }

    init(configuration: FleetServerConfiguration, tls: ServerTLS, store: any ServerStore, enrollSecretPath: String, newAdminPassword: String?,
         metrics: ServerMetrics, logger: Logger) {
        self.metrics = metrics
        self.configuration = configuration
        self.tls = tls
        self.store = store
        self.enrollSecretPath = enrollSecretPath
        self.newAdminPassword = newAdminPassword
        self.logger = logger
    }

    /// Serve until SIGTERM or SIGINT (or, with `gracefulShutdownSignals` empty, until the
    /// enclosing service group stops). `onListening` gets the bound port (useful with port 0).
    /// This server among those sharing a database: its host name and port.
    var serverName: String {
        let host = (try? String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "server"
        return "\(host):\(configuration.port)"
    }

    public func makeService(onListening: @escaping @Sendable (ServerPorts) async -> Void = { _ in }) async throws -> any Service {
        let resultsLog = try ResultsLog(path: configuration.dataDirectory + "/results.log",
                                        rotateBytes: configuration.options.resultsLogRotateBytes, keep: configuration.options.resultsLogKeep)
        let lastSeen = LastSeen(store: store, logger: logger)
        let otlp = configuration.options.otlp.map { OTLPExporter($0, metrics: metrics) }
        // The export cursors, before any line or answer can arrive: from here on each is exported.
        if otlp != nil { for stream in ExportStream.allCases { try await store.startExport(stream) } }
        let fleet = FleetContext(store: store, hub: LiveQueryHub(), options: configuration.options, resultsLog: resultsLog, lastSeen: lastSeen,
                                 metrics: metrics, logger: logger, enrollLimiter: EnrollLimiter(rate: configuration.options.enrollRate), otlp: otlp,
                                 serverProfiler: ServerProfiler(executable: configuration.options.profilerExecutable, store: store, serverName: serverName,
                                                                directory: configuration.dataDirectory, logger: logger))
        // A callback, called as announcements arrive: nothing waits on the cooperative pool.
        store.subscribeAnswers { [campaigns = fleet.campaigns] ids in campaigns.wake(campaigns: ids) }
        var api = APIEndpoints(fleet: fleet, adminPasswordHash: try await store.setting("admin_password_hash"))
        let ui = WebUI(store: store, fleet: WebUIBridge(api: api, serverName: serverName), summarySeconds: configuration.options.pageSummarySeconds)
        api.sessionRole = { try await ui.sessionRole($0) }
        Task { await ui.warmCaches() }
        let executor = configuration.requestExecutor ?? globalConcurrentExecutor
        func router(agents: Bool, people: Bool) -> Router<FleetRequestContext> {
            let router = Router(context: FleetRequestContext.self)
            router.add(middleware: OffLoop(executor: executor))
            router.add(middleware: RequestMetrics(metrics: metrics))
            router.add(middleware: ResponseCompression())
            if agents { OsqueryEndpoints(fleet: fleet).register(on: router) }
            api.register(on: router, healthOnly: !people)
            if people { ui.register(on: router) }
            return router
        }
        let uiListen = configuration.uiListen
        let files = ConnectionLimit.raiseFileLimit() ?? 1024
        let allowed = configuration.options.maxConnections ?? ConnectionLimit.connections(files: files)
        // Apart, people's connections get an eighth (at most 1,024) of what descriptors allow.
        let peopleConnections = uiListen == nil ? 0 : max(1, min(1024, allowed / 8))
        let maxConnections = max(1, allowed - peopleConnections)
        let alsoPeople = uiListen == nil ? "" : ", and \(peopleConnections) more on the UI's listener"
        logger.info("accepting up to \(maxConnections) connections at once (open-file limit \(files))\(alsoPeople)")
        let connections = ConnectionTasks()
        let ports = PortsReport(split: uiListen != nil, report: onListening)
        let tlsConfiguration = try tls.configuration()
        // A connection idle for 90 s is closed (longer than any held read), so silent
        // clients cannot hold connections for ever.
        let server = HTTPServerBuilder { responder in
            try LoopBoundChannel(TLSChannel(HTTP1Channel(responder: responder, configuration: .init(idleTimeout: .seconds(90))),
                                            tlsConfiguration: tlsConfiguration), tasks: connections)
        }
        let app = Application(
            router: router(agents: true, people: uiListen == nil),
            server: server,
            // A fleet reconnects at once after a restart or a network outage: with
            // Hummingbird's default backlog of 256, 20,000 simulated agents overflowed the
            // accept queue 48,927 times (the kernel drops the SYN; the agent's connect
            // waits for a retransmit, then times out). The kernel caps it at somaxconn.
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vigil", backlog: 4096,
                                 availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)),
            services: [lastSeen, RetentionService(store: store, days: configuration.options.retentionDays, logger: logger),
                       WorkRelay(store: store, hub: fleet.hub), ServerMonitor(store: store, name: serverName, logger: logger)]
                + configuration.options.forward.map { Forwarder(target: $0, store: store, logger: logger) }
                + (otlp.map { [$0.service(store: store, serverName: serverName, owner: "\(serverName) \(configuration.dataDirectory)", offlineAfterSeconds: configuration.options.offlineAfterSeconds, logger: logger)] } ?? [])
                + [ConnectionDrain(connections: connections)],
            onServerRunning: { channel in await ports.agents(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: configuration.eventLoops.map { .shared($0) } ?? .singleton,
            logger: logger)
        // The people's listener: one event loop thread of its own, which the scheduler
        // runs beside the agents' loops however many requests those have queued.
        let people = uiListen.map { address in
            let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let app = Application(
                router: router(agents: false, people: true),
                server: server,
                configuration: .init(address: .hostname(address.host, port: address.port), serverName: "vigil",
                                     availableConnectionsDelegate: MaximumAvailableConnections(peopleConnections, logger: logger)),
                onServerRunning: { channel in await ports.people(channel.localAddress?.port ?? 0) },
                eventLoopGroupProvider: .shared(loops),
                logger: logger)
            return PeopleListener(app: app, loops: loops)
        }
        return ServerService(app: app, people: people, hub: fleet.hub, streams: fleet.streams, campaigns: fleet.campaigns, store: store,
                             profiler: fleet.serverProfiler)
    }
}

/// The web UI's and REST API's own listener, and the event loop it runs on.
struct PeopleListener {
    let app: Application<RouterResponder<FleetRequestContext>>
    let loops: MultiThreadedEventLoopGroup
}

/// Reports the bound ports once every listener serves.
final class PortsReport: Sendable {
    private let split: Bool
    private let report: @Sendable (ServerPorts) async -> Void
    private let bound = Mutex<(agents: Int?, people: Int?)>((nil, nil))

    init(split: Bool, report: @escaping @Sendable (ServerPorts) async -> Void) {
        self.split = split
        self.report = report
    }

    func agents(_ port: Int) async { await set { $0.agents = port } }
    func people(_ port: Int) async { await set { $0.people = port } }

    private func set(_ change: (inout (agents: Int?, people: Int?)) -> Void) async {
        let ports = bound.withLock { b -> ServerPorts? in
            change(&b)
            guard let agents = b.agents else { return nil }
            if !split { return ServerPorts(agents: agents, people: agents) }
            return b.people.map { ServerPorts(agents: agents, people: $0) }
        }
        if let ports { await report(ports) }
    }
}

/// The HTTP application, and the held reads ended as soon as a graceful shutdown
/// begins: the server drains its connections before anything else stops, and a held
/// read would otherwise keep it waiting for its whole wait.
struct ServerService: Service {
    let app: Application<RouterResponder<FleetRequestContext>>
    let people: PeopleListener?
    let hub: LiveQueryHub
    let streams: StreamShutdown
    let campaigns: CampaignWatch
    let store: any ServerStore
    let profiler: ServerProfiler

    func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup { group in
                    group.addTask { try await app.run() }
                    if let people { group.addTask { try await people.app.run() } }
                    // One listener failing (its port taken) stops the other.
                    defer { group.cancelAll() }
                    try await group.waitForAll()
                }
            } onGracefulShutdown: {
                hub.close()
                streams.close()
                campaigns.wakeAll()
                Task { await profiler.stop() }
            }
        } catch {
            await store.shutdown()
            try? await people?.loops.shutdownGracefully()
            throw error
        }
        // The store's connections close after the last request has been answered: the
        // application returns only once `ConnectionDrain` has seen every connection end.
        await store.shutdown()
        try? await people?.loops.shutdownGracefully()
    }
}

/// Stops right after the HTTP server and waits for its connections to end, so that the
/// services before it (the last-seen flush, OTLP export, retention) stop only once the
/// last request has been answered: a service group stops its services in reverse order,
/// and Hummingbird's server returns as soon as its listener closes (`ConnectionTasks`).
struct ConnectionDrain: Service {
    let connections: ConnectionTasks

    func run() async throws {
        try? await gracefulShutdown()
        await withTaskCancellationHandler {
            await connections.waitUntilIdle()
        } onCancel: {
            connections.cancelAll()
        }
    }
}

/// Hourly: deletes results and status lines, live queries with their answers, and
/// profiles past the retention period, and turns
/// telemetry older than a day into 5-minute points (kept 30 days).
struct RetentionService: Service {
    let store: any ServerStore
    let days: Int
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let now = FleetContext.now()
                try await store.downsampleTelemetry(before: now - 86_400, dropBefore: now - 30 * 86_400)
                let removed = try await store.pruneLogs(olderThan: now - Int64(days) * 86400)
                _ = try await store.pruneProfiles(olderThan: now - Int64(days) * 86400)
                let queries = try await store.pruneCampaigns(olderThan: now - Int64(days) * 86400)
                if removed > 0 { logger.info("retention: deleted \(removed) log lines older than \(days) days") }
                if queries > 0 { logger.info("retention: deleted \(queries) live queries older than \(days) days, with their answers") }
            } catch {
                logger.error("retention: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
