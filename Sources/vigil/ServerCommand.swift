import ArgumentParser
import Glibc
import Logging
import ServiceLifecycle
import VigilServer
import VigilServerStore
import VigilSystem

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the fleet server: osquery's TLS API for Vigil and osquery agents, live queries, a REST API.",
        subcommands: [ServeCommand.self, TokenCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// The options `vigil server` and `vigil up` share.
struct ServerArguments: ParsableArguments {
    @Option(help: "Address and port to serve HTTPS on (ADDR:PORT; port 0 picks a free one).")
    var listen = "127.0.0.1:8443"

    @Option(help: """
        Serve the web UI and REST API on this address (ADDR:PORT) with an event loop of their own; --listen then \
        serves only agents and the health checks. For large fleets: a person's request does not wait behind \
        thousands of agents', and the UI need not be reachable from where the agents are.
        """)
    var uiListen: String?

    @Option(help: "Directory for the server's database, TLS files, enroll secret and results log.")
    var dataDir = "./vigil-server"

    @Option(help: """
        Storage: sqlite (the default, DATA_DIR/server.db), or PostgreSQL as \
        postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require|verify-full] \
        (or postgres://USER@/DATABASE?host=SOCKET_DIR; the password may come from PGPASSWORD instead).
        """)
    var database: String?

    @Option(help: "PEM certificate chain to serve (default: a CA and certificate made under DATA_DIR/tls on first start).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "Seconds between runs of each dynamic label's query on each host (Fleet's default: an hour).")
    var labelRefresh = 3600

    @Option(help: "Forward every result and status line agents send to syslog, syslog:/PATH/TO/SOCKET or tcp://HOST:PORT (repeatable), at least once and in order.")
    var forward: [String] = []

    @Option(help: """
        Export to OpenTelemetry over OTLP/HTTP (protobuf, gzip): result and status lines and live-query answers as logs, \
        agents' telemetry and the fleet's own figures as metrics, uploaded profiles as profiles. The collector's base URL, \
        http[s]://HOST:PORT (its OTLP/HTTP receiver listens on 4318); Vigil posts to /v1/logs, /v1/metrics and /v1development/profiles.
        """)
    var otlpEndpoint: String?

    @Option(help: "A header sent with every OTLP request, NAME=VALUE (repeatable; an API key, a tenant).")
    var otlpHeader: [String] = []

    @Option(help: "Seconds between exports of the fleet's own metrics (hosts online and offline, the server's CPU and memory).")
    var otlpInterval = 60

    @Option(help: "Rotate DATA_DIR/results.log past this many bytes (osquery's logger_rotate_size).")
    var resultsLogRotateSize = 25 << 20

    @Option(help: "Old results logs kept (results.log.1 …; osquery's logger_rotate_max_files).")
    var resultsLogRotateMaxFiles = 25

    @Option(help: "Enrollments one source address (an IPv6 /64) may make: PER_SECOND[:BURST], 0 for no limit. A refused secret counts ten times.")
    var enrollRate = "20:200"

    @Flag(name: .shortAndLong, help: "Log debug detail to standard error.")
    var verbose = false

    @Option(help: "The least severe line logged to standard error: debug, info (the default), warning or error.")
    var logLevel: LogLevelArgument?

    func validate() throws {
        guard (1...86_400).contains(labelRefresh) else { throw ValidationError("--label-refresh is 1 to 86400 seconds") }
        guard resultsLogRotateSize >= 4096 else { throw ValidationError("--results-log-rotate-size is at least 4096 bytes") }
        guard (0...1000).contains(resultsLogRotateMaxFiles) else { throw ValidationError("--results-log-rotate-max-files is 0 to 1000") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        _ = try DatabaseArgument.postgres(database)
        do { _ = try EnrollRate(enrollRate) } catch { throw ValidationError(error.description) }
        if let uiListen {
            do {
                let ui = try ListenAddress(uiListen, option: "--ui-listen"), agents = try ListenAddress(listen, option: "--listen")
                if ui.port != 0 && ui.port == agents.port && (ui.host == agents.host || ui.host == "0.0.0.0" || agents.host == "0.0.0.0") {
                    throw StoreFileError("--ui-listen \(uiListen) is the agents' address: give the UI a port of its own (for example 127.0.0.1:8444)")
                }
            } catch let error as StoreFileError { throw ValidationError(error.description) }
        }
        for target in forward {
            do { _ = try ForwardTarget(target) } catch { throw ValidationError(error.description) }
        }
        if otlpEndpoint == nil && !otlpHeader.isEmpty { throw ValidationError("--otlp-header goes with --otlp-endpoint") }
        guard (1...86_400).contains(otlpInterval) else { throw ValidationError("--otlp-interval is 1 to 86400 seconds") }
        do { _ = try otlp() } catch { throw ValidationError(error.description) }
    }

    func otlp() throws(StoreFileError) -> OTLPExportConfiguration? {
        guard let otlpEndpoint else { return nil }
        var c = try OTLPExportConfiguration(endpoint: otlpEndpoint)
        for header in otlpHeader { try c.addHeader(header) }
        c.fleetMetricsSeconds = otlpInterval
        return c
    }

    func configuration() throws -> FleetServerConfiguration {
        var c = FleetServerConfiguration(dataDirectory: dataDir)
        try c.setListen(listen)
        c.uiListen = try uiListen.map { try ListenAddress($0, option: "--ui-listen") }
        c.tlsCertificate = tlsCert
        c.tlsKey = tlsKey
        c.options.labelRefreshSeconds = labelRefresh
        c.options.resultsLogRotateBytes = resultsLogRotateSize
        c.options.resultsLogKeep = resultsLogRotateMaxFiles
        c.postgres = try DatabaseArgument.postgres(database)
        c.options.forward = try forward.map { try ForwardTarget($0) }
        c.options.enrollRate = try EnrollRate(enrollRate)
        c.options.profilerExecutable = try? FileSystem.readLink("/proc/self/exe")
        c.options.otlp = try otlp()
        return c
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve (the default).",
        discussion: """
        Agents enroll at https://ADDR:PORT/api/v1/osquery/enroll with the secret in DATA_DIR/enroll_secret and trust
        DATA_DIR/tls/ca.pem (osquery: --tls_server_certs). The web UI is at https://ADDR:PORT/ (user admin), or at
        --ui-listen's address when given. The REST API is under /api/v1 there (OpenAPI at /api/openapi.json);
        log in with POST /api/v1/login and the password in DATA_DIR/admin_password, or make a token with
        `vigil server token create`.
        """
    )

    @OptionGroup var server: ServerArguments

    func run() async throws {
        Vigil.bootstrapLogging(verbose: server.verbose, level: .info, chosen: server.logLevel)
        umask(0o077)
        let logger = Logger(label: "vigil.server")
        let fleet = try await FleetServer.prepare(try server.configuration(), logger: logger)
        let service = try await fleet.makeService { ports in
            ServerBanner.print(fleet, ports: ports, agentFlags: nil)
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "API tokens.",
        subcommands: [TokenCreateCommand.self]
    )
}

struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Make an API token and print it (only its hash is stored).")

    @Option(help: "The server's data directory.")
    var dataDir = "./vigil-server"

    @Option(help: "admin (everything) or observer (read only).")
    var role: TokenRole = .observer

    @Option(help: "A name to remember the token by.")
    var name = ""

    @Option(help: "The server's --database, when it is PostgreSQL.")
    var database: String?

    func run() async throws {
        var configuration = FleetServerConfiguration(dataDirectory: dataDir)
        configuration.postgres = try DatabaseArgument.postgres(database)
        if configuration.postgres == nil, !FileSystem.exists(dataDir + "/server.db") {
            throw ValidationError("\(dataDir)/server.db does not exist: start `vigil server --data-dir \(dataDir)` once first")
        }
        let store = try await FleetServer.openStore(configuration, logger: Logger(label: "vigil.server"))
        let token = Secrets.newKey()
        do {
            try await store.addToken(hash: Secrets.hash(token), role: role, name: name, at: Int64(Clock.realtimeNanoseconds() / 1_000_000_000))
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
        FileDescriptorText.write(token + "\n", to: 1)
    }
}

extension TokenRole: ExpressibleByArgument {}

/// `--database`: nil or `sqlite` for the embedded store, else a PostgreSQL URL.
enum DatabaseArgument {
    static func postgres(_ text: String?) throws -> PostgresURL? {
        guard let text, text != "sqlite" else { return nil }
        guard text.hasPrefix("postgres") else {
            throw ValidationError("--database takes sqlite or a postgres://… URL, not '\(text.prefix(60))'")
        }
        do {
            var url = try PostgresURL(text)
            if url.password == nil, let password = getenv("PGPASSWORD").map({ String(cString: $0) }) { url.password = password }
            return url
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// What a newcomer needs to know once the server listens.
enum ServerBanner {
    static func url(host: String, port: Int) -> String {
        let host = host == "0.0.0.0" || host == "::" ? "localhost" : host
        return "https://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    static func print(_ fleet: FleetServer, ports: ServerPorts, agentFlags: String?) {
        let agents = url(host: fleet.configuration.host, port: ports.agents)
        let url = fleet.configuration.uiListen.map { Self.url(host: $0.host, port: ports.people) } ?? agents
        let dir = fleet.configuration.dataDirectory
        var text = "\nVigil fleet server listening on \(agents)\n"
        if url != agents { text += "  web UI and API: \(url) (their own listener)\n" }
        if let ca = fleet.tls.caPath {
            text += "  TLS CA:         \(ca) (SHA-256 \((try? fleet.tls.fingerprint()) ?? "?"))\n"
        }
        text += "  enroll secret:  \(fleet.enrollSecretPath)\n"
        text += "  web UI:         \(url)/ (user admin)\n"
        text += "  log in:         admin password in \(dir)/admin_password"
        text += fleet.newAdminPassword != nil ? " (new)\n" : "\n"
        if let agentFlags { text += "  local agent:    started with the flags in \(agentFlags), log in \(dir)/agent.log\n" }
        let ca = fleet.tls.caPath ?? "CA.pem"
        text += """
              try:            TOKEN=$(curl -s --cacert \(ca) -d "{\\"password\\":\\"$(cat \(dir)/admin_password)\\"}" \(url)/api/v1/login | sed 's/.*"token":"\\([0-9a-f]*\\)".*/\\1/')
                              curl -s --cacert \(ca) -H "Authorization: Bearer $TOKEN" \(url)/api/v1/hosts

            """
        FileDescriptorText.write(text + "\n", to: 1)
    }
}
