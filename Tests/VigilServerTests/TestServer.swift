import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import Testing
import VigilServer
import VigilServerStore
import VigilSystem
import VigilTestSupport
import VigilWire

/// The two stores every server test runs on: the embedded SQLite file and a real PostgreSQL.
enum TestDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Both where PostgreSQL is installed (and always in CI); SQLite alone elsewhere, the PostgreSQL runs reported as skipped.
    static var all: [TestDatabase] { TestPostgres.available ? allCases : [.sqlite] }

    /// A new, empty database of this kind for one test (nil: the server's own SQLite file).
    func url() async throws -> PostgresURL? {
        switch self {
        case .sqlite: return nil
        case .postgres: return try PostgresURL(try await TestPostgres.newDatabase())
        }
    }
}

/// A `FleetServer` on a free loopback port in a temporary directory, and an HTTPS client
/// that trusts the CA it made: requests go over real TLS, as an agent's do.
final class TestServer: @unchecked Sendable {
    /// The server runs here: a new serial queue each time it is asked for, so each server
    /// runs on a queue of its own, apart from the test's thread (`OwnThread`) and from
    /// the cooperative pool. (One queue shared by every test's server stalled them all
    /// when one did slow work.) A dispatch queue gets a thread when it has work, whatever
    /// else is busy.
    static var executor: SerialTaskExecutor { SerialTaskExecutor(label: "vigil.test-server") }
    let executor: SerialTaskExecutor

    let dir: String
    let fleet: FleetServer
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let ports: ServerPorts
    let http: HTTPClient

    /// The agents' port (and, on one listener, everything's).
    var port: Int { ports.agents }
    var url: String { "https://127.0.0.1:\(port)" }
    /// Where the web UI and REST API are served (`url` unless they have their own listener).
    var peopleURL: String { "https://127.0.0.1:\(ports.people)" }

    /// A server on a new database of this kind, or on `shared` (a second server on one PostgreSQL
    /// database), with its files in `directory` (a new temporary one by default).
    static func start(_ database: TestDatabase, shared: PostgresURL? = nil, directory: String? = nil, executor: SerialTaskExecutor? = nil,
                      _ configure: (inout FleetServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        let executor = executor ?? Self.executor
        let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("vigil-server-\(UUID().uuidString)").path
        var configuration = FleetServerConfiguration(dataDirectory: dir)
        configuration.port = 0
        // Tests change the fleet and look at once: no page summary kept (TimedCacheTests tests the cache).
        configuration.options.pageSummarySeconds = 0
        // Requests that leave the event loops run here too, not on the pool the suite holds.
        configuration.requestExecutor = executor
        if let shared { configuration.postgres = shared } else { configuration.postgres = try await database.url() }
        configure(&configuration)
        let logger = Logger(label: "test.server")
        let fleet = try await FleetServer.prepare(configuration, logger: logger)
        let (ports, continuation) = AsyncStream<ServerPorts>.makeStream()
        let service = try await fleet.makeService { ports in continuation.yield(ports) }
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await withTaskExecutorPreference(executor) { try await group.run() } }
        var bound: ServerPorts?
        for await p in ports { bound = p; break }
        let port = try #require(bound, "the server stopped before it listened")
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(try #require(fleet.tls.caPath))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        return TestServer(dir: dir, fleet: fleet, group: group, task: task, ports: port, http: http, executor: executor)
    }

    init(dir: String, fleet: FleetServer, group: ServiceGroup, task: Task<Void, any Error>, ports: ServerPorts, http: HTTPClient, executor: SerialTaskExecutor) {
        self.executor = executor
        self.dir = dir
        self.fleet = fleet
        self.group = group
        self.task = task
        self.ports = ports
        self.http = http
    }

    /// Run `body` against a fresh server, stopped afterwards whatever happens.
    static func with(_ database: TestDatabase, _ configure: (inout FleetServerConfiguration) -> Void = { _ in }, _ body: (TestServer) async throws -> Void) async throws {
        try await withTaskExecutorPreference(executor) {
            let server = try await start(database, configure)
            do { try await body(server) } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }

    /// Two servers on one PostgreSQL database, as a fleet behind a load balancer; both
    /// stopped whatever `body` does.
    static func withTwoOnPostgres(_ body: (TestServer, TestServer) async throws -> Void) async throws {
        try await withTaskExecutorPreference(executor) {
            let a = try await start(.postgres)
            let b = try await start(.postgres, shared: a.fleet.configuration.postgres)
            do { try await body(a, b) } catch {
                await b.stop()
                await a.stop()
                throw error
            }
            await b.stop()
            await a.stop()
        }
    }

    /// Whether `stop` ran: a test that throws before it must not take the whole test
    /// process down (AsyncHTTPClient traps on a client released unstopped).
    private var stopped = false

    deinit {
        guard !stopped else { return }
        http.shutdown { _ in }
        let group = group
        Task { await group.triggerGracefulShutdown() }
    }

    /// Stops the server; its files go too unless a restart on them follows.
    func stop(removingFiles: Bool = true) async {
        stopped = true
        try? await http.shutdown()
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        if removingFiles { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// All the store holds, as bytes: the SQLite file and its log, or a dump of the PostgreSQL database.
    func storedBytes() async throws -> Data {
        if let url = fleet.configuration.postgres { return Data(try await TestPostgres.dump(database: url.database).utf8) }
        var db = try Data(contentsOf: URL(fileURLWithPath: dir + "/server.db"))
        db += (try? Data(contentsOf: URL(fileURLWithPath: dir + "/server.db-wal"))) ?? Data()
        return db
    }

    var enrollSecret: String { (try? String(contentsOfFile: fleet.enrollSecretPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }

    struct Reply {
        var status: Int
        var body: Data
        /// Response headers by name (the first of each).
        var headers: [String: String] = [:]
        var json: JSONValue? { try? WireCoding.decode(JSONValue.self, from: body) }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// POST (or another method) `body` to `path`, with a bearer token when given; at `base`
    /// (`url` unless given: `peopleURL` for a UI listener of its own).
    func request(_ path: String, method: HTTPMethod = .POST, json body: String? = nil, token: String? = nil, headers: [(String, String)] = [],
                 at base: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: (base ?? url) + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        var fields: [String: String] = [:]
        for (name, value) in response.headers where fields[name] == nil { fields[name] = value }
        return Reply(status: Int(response.status.code), body: Data(buffer.readableBytesView), headers: fields)
    }

    /// Enroll as osquery 5 does, and return the node key.
    func enrollOsquery(_ hostIdentifier: String) async throws -> String {
        let reply = try await request(OsqueryPaths.enroll, json: osqueryEnrollBody(hostIdentifier))
        #expect(reply.status == 200)
        return try #require(reply.json?["node_key"]?.string)
    }

    /// What osquery 5 sends to enroll.
    func osqueryEnrollBody(_ hostIdentifier: String) -> String {
        """
        {"enroll_secret":"\(enrollSecret)","host_identifier":"\(hostIdentifier)","platform_type":"9","host_details":{\
        "os_version":{"name":"Ubuntu","version":"22.04.4 LTS (Jammy Jellyfish)","platform":"ubuntu"},\
        "osquery_info":{"version":"5.12.1","extensions":"active","uuid":"U-\(hostIdentifier)"},\
        "system_info":{"hostname":"\(hostIdentifier)","cpu_brand":"Test CPU","physical_memory":"8589934592","uuid":"U-\(hostIdentifier)"},\
        "platform_info":{"vendor":"test"}}}
        """
    }

    /// An admin token, by the password the first start wrote.
    func adminToken() async throws -> String {
        let password = try String(contentsOfFile: dir + "/admin_password", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let reply = try await request("/api/v1/login", json: #"{"password":"\#(password)"}"#, at: peopleURL)
        #expect(reply.status == 200)
        return try #require(reply.json?["token"]?.string)
    }
}
