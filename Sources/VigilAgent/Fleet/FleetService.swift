import Dispatch
import Foundation
import Glibc
import Logging
import ServiceLifecycle
import Synchronization
import VigilSQL
import VigilSystem
import VigilWire

/// The worker's side of the fleet: enrolls, fetches the config (`config_plugin=tls`),
/// posts results (`logger_plugin` tls, fed by `FleetLogChannel`) and answers live
/// queries. Against a Vigil server the read is held open, so a live query arrives
/// within a second; a server without that endpoint (a stock osquery server) is polled
/// every `distributed_interval`, as osquery does. Each part waits on the network or a
/// channel, never on a timer, except the poll and the config refresh, whose periods
/// are the user's.
public final class FleetService: Service, @unchecked Sendable {
    // @unchecked: immutable after init; the engine and channel are thread-safe.
    let options: FleetOptions
    let paths: AgentPaths
    let hostIdentifier: String
    let logChannel: FleetLogChannel?
    let makeTables: @Sendable () -> [any VirtualTable]
    let queryTimeoutSeconds: Double
    let logger: Logger
    /// Set when the service starts stopping; a profile being taken ends early.
    let stoppingFlag = Atomic<Bool>(false)
    /// Profile requests from the server's reads, taken one at a time by `profileLoop`.
    let profileRequests = AsyncStream<ProfileRequest>.makeStream(bufferingPolicy: .bufferingNewest(8))

    /// Where the last config from the server is kept, used at the next start when the
    /// server cannot be reached.
    public static func serverConfigPath(_ paths: AgentPaths) -> String { paths.dataDirectory + "/server_config.json" }

    /// Paths of continuous profiles as they are written, to upload.
    let continuousProfiles: AsyncStream<String>?

    public init(options: FleetOptions, paths: AgentPaths, hostIdentifier: String, logChannel: FleetLogChannel?,
                scheduler: SchedulerService, queryTimeoutSeconds: Double, continuousProfiles: AsyncStream<String>? = nil, logger: Logger) {
        self.continuousProfiles = continuousProfiles
        self.options = options
        self.paths = paths
        self.hostIdentifier = hostIdentifier
        self.logChannel = logChannel
        makeTables = { [view = scheduler.view, events = scheduler.events, config = scheduler.config] in
            SchedulerService.tables(view: view, events: events, config: config)
        }
        self.queryTimeoutSeconds = queryTimeoutSeconds
        self.logger = logger
    }

    /// The fleet's tasks run here: a live query reaches the engine within a second even
    /// while the scheduler's synchronous queries hold the cooperative pool's threads
    /// (one per core).
    static let executor = SerialTaskExecutor(label: "vigil.fleet")

    public func run() async throws {
        try await withTaskExecutorPreference(Self.executor) { try await serve() }
    }

    func serve() async throws {
        let engine = try LiveQueryEngine(tables: makeTables(), timeoutSeconds: queryTimeoutSeconds, statePath: paths.statePath)
        let details = HostDetailsCollector(engine: engine)
        let connection = try FleetConnection(options: options, dataDirectory: paths.dataDirectory, hostIdentifier: hostIdentifier,
                                             hostDetails: { details.cached }, logger: logger)
        await details.collect()
        // Graceful shutdown cancels the loops: a held-open read or a post in flight ends
        // at once (the HTTP client honours cancellation), so the worker stops promptly.
        try? await withGracefulShutdownHandler {
            try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if self.options.configFromServer { group.addTask { await self.configLoop(connection) } }
                if self.options.distributed { group.addTask { await self.distributedLoop(connection, engine: engine) } }
                if let channel = self.logChannel {
                    group.addTask { await self.loggerLoop(connection, channel: channel) }
                    group.addTask { await self.statusLoop(connection, log: StatusLog.shared) }
                }
                if self.options.telemetrySeconds > 0 { group.addTask { await self.telemetryLoop(connection, engine: engine) } }
                if self.options.distributed { group.addTask { await self.profileLoop(connection) } }
                if let paths = self.continuousProfiles { group.addTask { await self.uploadLoop(connection, paths: paths) } }
                if !self.options.configFromServer && !self.options.distributed && self.logChannel == nil {
                    // Enroll anyway, so the host shows in the fleet.
                    group.addTask { _ = try? await connection.key() }
                }
                await group.waitForAll()
            }
            }
        } onGracefulShutdown: {
            self.stoppingFlag.store(true, ordering: .relaxed)
            self.profileRequests.continuation.finish()
        }
        logChannel?.close()
        await connection.shutdown()
    }

    /// Sleep `seconds`, or less when the service is stopping.
    func pause(_ seconds: Double) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
    }

    var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    // MARK: Config

    func configLoop(_ connection: FleetConnection) async {
        let path = Self.serverConfigPath(paths)
        var held = FileSystem.readTextIfPresent(path)
        var backoff = ReconnectDelay(initial: 5, maximum: 300)
        var reported: String?
        while !stopping {
            do {
                let etag = held.map { text -> String in let c = DigestContext(.sha256); c.update(Array(text.utf8)); return Digest.hex(c.finish()) }
                let body = try await connection.call(options.configEndpoint) { key in try WireCoding.encode(NodeRequest(nodeKey: key, etag: etag)) }
                let text = String(decoding: body, as: UTF8.self)
                backoff.reset()
                reported = nil
                if let value = try? WireCoding.decode(JSONValue.self, from: body), value.object?.count == 1, value["etag"]?.string == "ok" {
                    // Unchanged.
                } else if text != held {
                    do {
                        _ = try ConfigLoader.parse(text, file: "config from \(options.hostname)")
                        try FileSystem.writeAtomically(Array(text.utf8), to: path, mode: 0o600)
                        held = text
                        logger.info("fleet: new config from \(options.hostname); reloading")
                        // The supervisor reloads the options and passes SIGHUP on to this worker.
                        if getppid() != 1 { kill(getppid(), SIGHUP) }
                    } catch {
                        logger.error("fleet: the server's config is not used, the current one stays: \(error)")
                    }
                }
                if options.configRefreshSeconds == 0 { return }
                await pause(Double(options.configRefreshSeconds))
            } catch {
                if stopping { break }
                if reported != error.description { logger.warning("fleet: config: \(error)") }
                reported = error.description
                await pause(backoff.next())
            }
        }
    }

    // MARK: Results

    func loggerLoop(_ connection: FleetConnection, channel: FleetLogChannel) async {
        var backoff = ReconnectDelay(initial: 1, maximum: 3600)
        while !stopping, let batch = await channel.next() {
            do {
                _ = try await connection.call(options.loggerEndpoint, gzip: options.loggerCompress) { key in
                    try WireCoding.encode(LogRequest(nodeKey: key, logType: .result, data: batch.lines))
                }
                backoff.reset()
                channel.finish(batch, error: nil, retryAfter: 0)
            } catch {
                channel.finish(batch, error: "\(options.hostname): \(error)", retryAfter: backoff.next())
            }
        }
    }

    /// Every logger period, the worker's own log lines as osquery's status log. Best
    /// effort, as osquery's: bounded in memory, put back while the server is away.
    func statusLoop(_ connection: FleetConnection, log: StatusLog) async {
        var backoff = ReconnectDelay(initial: Double(options.loggerPeriodSeconds), maximum: 3600)
        while !stopping {
            await pause(Double(options.loggerPeriodSeconds))
            let entries = log.take(options.loggerMaxLines)
            guard !entries.isEmpty, !stopping else { continue }
            let records = entries.map { entry in
                JSONValue.object(entry.record(hostIdentifier: hostIdentifier, version: AgentVersion.version).mapValues { .string($0) })
            }
            do {
                _ = try await connection.call(options.loggerEndpoint, gzip: options.loggerCompress) { key in
                    try WireCoding.encode(LogRequest(nodeKey: key, logType: .status, data: records))
                }
                backoff.reset()
            } catch {
                log.putBack(entries)
                await pause(backoff.next())
            }
        }
    }

    // MARK: Telemetry

    /// Every `vigil_telemetry_interval` seconds, the agent's own tables to the server
    /// (new telemetry points and watchdog events since the last report; current schedule
    /// costs and counters). Stops for good against a server without the endpoint.
    func telemetryLoop(_ connection: FleetConnection, engine: LiveQueryEngine) async {
        var sentThrough: Int64 = 0
        var watchdogThrough: Int64 = 0
        var reported: String?
        while !stopping {
            var tables: [String: [[String: String]]] = [:]
            let queries = [
                "vigil_telemetry": "SELECT * FROM vigil_telemetry WHERE time > \(sentThrough) ORDER BY time",
                "vigil_schedule": "SELECT * FROM vigil_schedule",
                "vigil_watchdog": "SELECT * FROM vigil_watchdog WHERE time > \(watchdogThrough) ORDER BY time",
                "vigil_events": "SELECT * FROM vigil_events",
                "vigil_outputs": "SELECT * FROM vigil_outputs",
            ]
            for (table, sql) in queries {
                let answer = await engine.run(sql)
                tables[table] = answer.rows.map { $0.mapValues(\.text) }
            }
            let report = tables
            do {
                // gzip always: only a Vigil server has this endpoint, and every one inflates
                // gzip bodies. The report is the agent's largest upload (about 3 KB of JSON
                // every 10 s, 28 MB a day; about a sixth of that compressed).
                _ = try await connection.call(VigilPaths.telemetry, gzip: true) { key in
                    try WireCoding.encode(TelemetryRequest(nodeKey: key, tables: report))
                }
                sentThrough = report["vigil_telemetry"]?.compactMap { Int64($0["time"] ?? "") }.max() ?? sentThrough
                watchdogThrough = report["vigil_watchdog"]?.compactMap { Int64($0["time"] ?? "") }.max() ?? watchdogThrough
                reported = nil
            } catch FleetError.notFound {
                logger.info("fleet: \(options.hostname) takes no telemetry; not sending it")
                return
            } catch {
                if stopping { break }
                if reported != "\(error)" { logger.warning("fleet: telemetry: \(error)") }
                reported = "\(error)"
            }
            await pause(Double(options.telemetrySeconds))
        }
    }

    // MARK: Profiles of itself

    /// Take each profile the server asks for (one at a time, on a thread of its own:
    /// sampling waits in the kernel) and upload it, or the reason there is none.
    func profileLoop(_ connection: FleetConnection) async {
        for await request in profileRequests.stream {
            let seconds = Double(max(1, min(request.seconds, ProfileRequest.maxSeconds)))
            let frequency = UInt64(max(1, min(request.frequency, 1000)))
            logger.info("fleet: profiling this worker for \(Int(seconds)) s as the server asked (profile \(request.id))")
            let result: Result<SelfProfile?, SelfProfile.Failure> = await withCheckedContinuation { continuation in
                DispatchQueue(label: "vigil.self-profile").async {
                    continuation.resume(returning: Result { () throws(SelfProfile.Failure) in
                        try SelfProfile.capture(seconds: seconds, frequency: frequency) { self.stoppingFlag.load(ordering: .relaxed) }
                    })
                }
            }
            var upload = ProfileUpload(nodeKey: "", id: request.id)
            switch result {
            case .success(let profile?):
                upload.pprof = Data(profile.pprof).base64EncodedString()
                upload.report = profile.report
                upload.samples = profile.samples
                upload.seconds = profile.seconds
            case .success(nil): return  // stopping
            case .failure(let error): upload.error = error.description
            }
            let prepared = upload
            do {
                _ = try await connection.call(VigilPaths.profile) { key in
                    var u = prepared
                    u.nodeKey = key
                    return try WireCoding.encode(u)
                }
            } catch {
                logger.warning("fleet: profile \(request.id) not uploaded: \(error)")
            }
        }
    }

    /// Each continuous profile as the writer writes it (one attempt: the file stays in
    /// DATA_DIR/profiles either way).
    func uploadLoop(_ connection: FleetConnection, paths: AsyncStream<String>) async {
        for await path in paths {
            if stopping { break }
            guard let bytes = try? RegularFile.read(path, limit: WireCoding.maxBodyBytes / 2) else { continue }
            let pprof = Data(bytes).base64EncodedString()
            do {
                _ = try await connection.call(VigilPaths.profile) { key in
                    try WireCoding.encode(ProfileUpload(nodeKey: key, id: 0, pprof: pprof, continuous: true))
                }
            } catch {
                if stopping { break }
                logger.warning("fleet: continuous profile \(path) not uploaded: \(error)")
            }
        }
    }

    // MARK: Live queries

    func distributedLoop(_ connection: FleetConnection, engine: LiveQueryEngine) async {
        var heldReads = true
        // Answers and the next held read in one request, until a server says it has no such endpoint.
        var writeAndRead = true
        var accelerateUntil = 0.0
        var backoff = ReconnectDelay(initial: 1, maximum: 60)
        var reported: String?
        // The next read's answer, when the last write brought it.
        var next: Data?
        while !stopping {
            do {
                let body: Data
                if let given = next {
                    body = given
                    next = nil
                } else if heldReads {
                    body = try await connection.call(VigilPaths.distributedWait, timeoutSeconds: Self.heldCallSeconds) { key in
                        try WireCoding.encode(DistributedWaitRequest(nodeKey: key, wait: Self.heldWaitSeconds))
                    }
                } else {
                    body = try await connection.call(options.readEndpoint) { key in try WireCoding.encode(NodeRequest(nodeKey: key)) }
                }
                let read = try WireCoding.decode(DistributedReadResponse.self, from: body)
                if let seconds = read.accelerate { accelerateUntil = FleetLogChannel.now() + Double(seconds) }
                for request in read.vigilProfiles ?? [] { profileRequests.continuation.yield(request) }
                if !read.queries.isEmpty {
                    let write = await answer(read, engine: engine)
                    if heldReads && writeAndRead {
                        next = try await writeThenRead(write, connection: connection)
                        if next == nil {
                            writeAndRead = false
                            logger.info("fleet: the server has no \(VigilPaths.distributedWriteWait); answering with \(options.writeEndpoint)")
                        }
                    }
                    if next == nil { try await send(write, connection: connection) }
                }
                backoff.reset()
                if reported != nil { logger.info("fleet: live queries: connected again") }
                reported = nil
                if !heldReads {
                    // osquery's accelerated check-in: every 5 s while the server asks for it.
                    await pause(FleetLogChannel.now() < accelerateUntil ? 5 : Double(options.distributedIntervalSeconds))
                }
            } catch FleetError.notFound where heldReads {
                heldReads = false
                logger.info("fleet: \(options.hostname) has no held-open read; polling \(options.readEndpoint) every \(options.distributedIntervalSeconds) s")
            } catch {
                if stopping { break }
                if reported != "\(error)" { logger.warning("fleet: live queries: \(error)") }
                reported = "\(error)"
                await pause(backoff.next())
            }
        }
    }

    /// Seconds a held read may be held, and how long its call may take in all.
    static let heldWaitSeconds = 25
    static let heldCallSeconds = Int64(DistributedWaitRequest.maxWaitSeconds) + 15

    /// Run the read's queries (a query with a discovery query runs only when that returns
    /// rows): the answers to write back.
    func answer(_ read: DistributedReadResponse, engine: LiveQueryEngine) async -> DistributedWriteRequest {
        var write = DistributedWriteRequest(nodeKey: "", queries: [:], statuses: [:], messages: [:], stats: [:])
        for (id, sql) in read.queries.sorted(by: { $0.key < $1.key }) {
            if let discovery = read.discovery?[id] {
                let probe = await engine.run(discovery)
                if probe.error != nil || probe.rows.isEmpty { continue }
            }
            let answer = await engine.run(sql)
            write.queries[id] = answer.rows
            write.statuses?[id] = answer.error == nil ? 0 : 1
            if let error = answer.error { write.messages?[id] = error }
            write.stats?[id] = answer.stats
            // Live queries people asked for are worth a line; the server's own (labels, details) are not.
            logger.log(level: Int64(id) != nil ? .info : .debug, "fleet: live query \(id): \(answer.error.map { "failed: \($0)" } ?? "\(answer.rows.count) rows")")
        }
        return write
    }

    /// Vigil's write-and-read: the next held read's answer, or nil when the server has no
    /// such endpoint (nothing was written then).
    func writeThenRead(_ write: DistributedWriteRequest, connection: FleetConnection) async throws -> Data? {
        do {
            return try await connection.call(VigilPaths.distributedWriteWait, timeoutSeconds: Self.heldCallSeconds) { key in
                var w = write
                w.nodeKey = key
                w.wait = Self.heldWaitSeconds
                return try WireCoding.encode(w)
            }
        } catch {
            if case .notFound = error { return nil }
            throw error
        }
    }

    /// osquery's distributed write.
    func send(_ write: DistributedWriteRequest, connection: FleetConnection) async throws {
        _ = try await connection.call(options.writeEndpoint) { key in
            var w = write
            w.nodeKey = key
            return try WireCoding.encode(w)
        }
    }
}

/// What enrollment tells the server about the host: osquery's `host_details` tables,
/// read once with the live query engine.
final class HostDetailsCollector: @unchecked Sendable {
    let engine: LiveQueryEngine
    // Written once by `collect` before any enrollment reads it.
    private(set) var cached: [String: [String: JSONValue]] = [:]

    init(engine: LiveQueryEngine) { self.engine = engine }

    func collect() async {
        for table in ["os_version", "osquery_info", "system_info", "platform_info"] {
            let answer = await engine.run("SELECT * FROM \(table)")
            if let row = answer.rows.first { cached[table] = row }
        }
        // Says to the server that this agent speaks Vigil's extensions too.
        cached["vigil_info"] = ["version": .string(AgentVersion.version)]
    }
}
