// fleet-load: simulated agents speaking osquery's TLS API (and Vigil's held-open read)
// to `vigil server`, as Fleet's osquery-perf does. Each agent enrolls with its own
// host identifier and host details, then loops: config every --config-every s, a batch
// of result lines every --log-every s, a distributed read every 10 s (osquery) or a
// held-open read (Vigil), answering every live query it gets; Vigil agents also report
// their own telemetry every --telemetry-every s. Prints a JSON summary.
import AsyncHTTPClient
import CGzip
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

struct Options {
    /// Servers, each agent keeping to one (agent i to urls[i % count]), as behind a load
    /// balancer that pins a client to a server. `--url` may be given more than once.
    var urls: [String] = []
    var ca: String?
    var secret: String?
    var agents = 100
    var heldFraction = 0.0
    var duration = 60.0
    var ramp = 30.0
    var settle = 15.0
    var logEvery = 10.0
    var configEvery = 60.0
    var readEvery = 10.0
    var heldWait = 25
    var liveQuery = false
    var adminPasswordFile: String?
    var liveTimeout = 60.0
    /// Vigil agents' telemetry report (osquery agents have none); 0: none.
    var telemetryEvery = 10.0
    /// Send the config's ETag back (a Vigil agent does; a stock osquery sends none).
    var etag = true
    /// gzip result logs (osquery's logger_tls_compress; off by default there too).
    var gzipLogs = false

    static let usage = """
        usage: fleet-load --url https://127.0.0.1:PORT [--url ...] --ca CA.pem --secret SECRET|@FILE [--agents N]
               [--held-fraction F] [--duration S] [--ramp S] [--settle S] [--log-every S] [--config-every S]
               [--read-every S] [--held-wait S] [--telemetry-every S] [--no-etag] [--gzip-logs]
               [--live-query --admin-password-file FILE [--live-timeout S]]
        """

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { fail("\(args[i - 1]) needs a value") }
            return args[i]
        }
        func number(_ name: String) -> Double {
            let v = value()
            guard let d = Double(v), d >= 0 else { fail("\(name) takes a number, not '\(v)'") }
            return d
        }
        while i < args.count {
            switch args[i] {
            case "--url": o.urls.append(value())
            case "--ca": o.ca = value()
            case "--secret": o.secret = value()
            case "--agents": o.agents = Int(number("--agents"))
            case "--held-fraction": o.heldFraction = min(1, number("--held-fraction"))
            case "--duration": o.duration = number("--duration")
            case "--ramp": o.ramp = number("--ramp")
            case "--settle": o.settle = number("--settle")
            case "--log-every": o.logEvery = max(0.1, number("--log-every"))
            case "--config-every": o.configEvery = max(0.1, number("--config-every"))
            case "--read-every": o.readEvery = max(0.1, number("--read-every"))
            case "--held-wait": o.heldWait = Int(number("--held-wait"))
            case "--telemetry-every": o.telemetryEvery = number("--telemetry-every")
            case "--no-etag": o.etag = false
            case "--gzip-logs": o.gzipLogs = true
            case "--live-query": o.liveQuery = true
            case "--admin-password-file": o.adminPasswordFile = value()
            case "--live-timeout": o.liveTimeout = number("--live-timeout")
            case "-h", "--help": print(usage); exit(0)
            default: fail("unknown option '\(args[i])'\n\(usage)")
            }
            i += 1
        }
        if let s = o.secret, s.hasPrefix("@") {
            guard let text = try? String(contentsOfFile: String(s.dropFirst()), encoding: .utf8) else { fail("cannot read \(s.dropFirst())") }
            o.secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if o.urls.isEmpty { o.urls = ["https://127.0.0.1:8443"] }
        guard o.secret?.isEmpty == false else { fail("--secret is required\n\(usage)") }
        guard o.agents >= 1, o.agents <= 100_000 else { fail("--agents takes 1 to 100000") }
        if o.liveQuery && o.adminPasswordFile == nil { fail("--live-query needs --admin-password-file") }
        return o
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("fleet-load: \(message)\n".utf8))
    exit(2)
}

func note(_ message: String) {
    FileHandle.standardError.write(Data("fleet-load: \(message)\n".utf8))
}

/// One HTTPClient for all agents, with timing and error accounting.
final class Transport: Sendable {
    let client: HTTPClient
    let bases: [String]
    let stats: Stats

    init(options: Options, stats: Stats) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.shutdownTimeout = .milliseconds(200)
        if let ca = options.ca { tls.trustRoots = .file(ca) }
        var config = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10)))
        config.httpVersion = .http1Only
        // As many connections as agents (and then some): each simulated agent has its own
        // connection whenever it has a request in flight, as a real fleet would. A Vigil
        // agent holds one connection in its held-open read and uses a second for config
        // and logs, so held agents count twice: with agents + 100 only, 10,000 held reads
        // took every connection and config and log calls queued in the pool until a held
        // read ended (up to 25 s).
        let held = Int((Double(options.agents) * options.heldFraction).rounded())
        config.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: options.agents + held + 100)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        bases = options.urls.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.stats = stats
    }

    struct Answer {
        var status: Int
        var body: Data
        var headers: HTTPHeaders
    }

    /// POST (or GET without a body); nil on a transport error or an HTTP status other
    /// than 2xx (osquery reads the body whatever the status, so 401 bodies come back too).
    /// `server`: the index of the server to ask (an agent passes its own index).
    func call(_ endpoint: String, path: String, body: Data?, method: HTTPMethod = .POST, token: String? = nil,
              timeout: TimeAmount = .seconds(30), always: Bool = false, gzip: Bool = false, server: Int = 0) async -> Answer? {
        var request = HTTPClientRequest(url: bases[server % bases.count] + path)
        request.method = method
        request.headers.add(name: "User-Agent", value: "osquery/5.12.1")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            if gzip, let compressed = Self.gzip(body) {
                request.headers.add(name: "Content-Encoding", value: "gzip")
                request.body = .bytes(ByteBuffer(bytes: compressed))
            } else {
                request.body = .bytes(ByteBuffer(bytes: body))
            }
        }
        let start = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: 8 << 20)
            let micros = Self.micros(ContinuousClock.now - start)
            let status = Int(response.status.code)
            stats.record(endpoint, micros: micros, error: (200..<300).contains(status) ? nil : "http \(status)", always: always)
            return Answer(status: status, body: Data(buffer.readableBytesView), headers: response.headers)
        } catch {
            let micros = Self.micros(ContinuousClock.now - start)
            stats.record(endpoint, micros: micros, error: Self.kind(error), always: always)
            return nil
        }
    }

    static func gzip(_ data: Data) -> [UInt8]? {
        let input = [UInt8](data)
        var out = [UInt8](repeating: 0, count: Int(compressBound(uLong(input.count))) + 32)
        let capacity = UInt(out.count)
        let n = out.withUnsafeMutableBufferPointer { o in fleet_load_gzip(input, UInt(input.count), o.baseAddress, capacity) }
        guard n >= 0 else { return nil }
        return Array(out.prefix(n))
    }

    static func micros(_ d: Duration) -> UInt32 {
        let c = d.components
        return UInt32(clamping: c.seconds * 1_000_000 + c.attoseconds / 1_000_000_000_000)
    }

    static func kind(_ error: any Error) -> String {
        let text = String(describing: error)
        return String(text.prefix(80))
    }
}

/// What the live query needs from the agents: when each answered it (client side).
final class LiveTracker: Sendable {
    private let answers = Mutex<[String: ContinuousClock.Instant]>([:])
    func answered(_ campaign: String) {
        let now = ContinuousClock.now
        answers.withLock { a in
            if let last = a[campaign], last > now { return }
            a[campaign] = now
        }
    }
    func lastAnswer(_ campaign: String) -> ContinuousClock.Instant? { answers.withLock { $0[campaign] } }
    let count = Atomic<Int>(0)
}

final class Counter: Sendable {
    private let n = Atomic<Int>(0)
    func add() { n.add(1, ordering: .relaxed) }
    var value: Int { n.load(ordering: .relaxed) }
}

final class Box: Sendable {
    private let v: Mutex<String>
    init(_ value: String) { v = Mutex(value) }
    func get() -> String { v.withLock { $0 } }
    func set(_ value: String) { v.withLock { $0 = value } }
}

/// osquery's calendarTime: "Sun Dec  6 00:50:00 2026 UTC".
func calendarTime(_ unix: Int64) -> String {
    var t = time_t(unix)
    var parts = tm()
    gmtime_r(&t, &parts)
    var buffer = [CChar](repeating: 0, count: 64)
    let n = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y UTC", &parts)
    return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

struct Agent: Sendable {
    let index: Int
    let id: String
    let held: Bool
    let options: Options
    let transport: Transport
    let live: LiveTracker
    let enrolled: Counter

    func encode<T: Encodable>(_ value: T) -> Data { (try? JSONEncoder().encode(value)) ?? Data("{}".utf8) }

    /// `{"node_key":…}` (and the config's ETag), written directly: the generator shares the
    /// server's two cores, so its own cost per request is kept small. Keys and ETags are
    /// hex, nothing to escape.
    static func nodeBody(_ key: String, etag: String? = nil) -> Data {
        guard let etag else { return Data(#"{"node_key":"\#(key)"}"#.utf8) }
        return Data(#"{"node_key":"\#(key)","etag":"\#(etag)"}"#.utf8)
    }

    /// Whether an answer says the node key is unknown; most answers are not read at all.
    static func invalid(_ data: Data) -> Bool {
        data.range(of: invalidMarker) != nil && (try? JSONDecoder().decode(NodeAnswer.self, from: data))?.nodeInvalid == true
    }
    static let invalidMarker = Data("node_invalid".utf8)
    /// The answer to nearly every poll: nothing to do, nothing to decode.
    static let emptyRead = Data(#"{"queries":{}}"#.utf8)

    /// A request to this agent's own server.
    func call(_ endpoint: String, path: String, body: Data?, timeout: TimeAmount = .seconds(30), always: Bool = false,
              gzip: Bool = false) async -> Transport.Answer? {
        await transport.call(endpoint, path: path, body: body, timeout: timeout, always: always, gzip: gzip, server: index)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) -> T? { try? JSONDecoder().decode(type, from: data) }

    func sleep(_ seconds: Double) async throws {
        try await Task.sleep(for: .milliseconds(Int64(max(0, seconds) * 1000)))
    }

    /// Enroll until it works (osquery retries with backoff), or cancellation.
    func enroll(first: Bool) async throws -> String {
        var backoff = 1.0
        while true {
            try Task.checkCancellation()
            let body = encode(EnrollRequest(enrollSecret: options.secret!, hostIdentifier: id,
                                            hostDetails: HostTemplates.details(index: index, hostIdentifier: id, vigil: held)))
            if let answer = await call("enroll", path: Paths.enroll, body: body, always: true),
               let key = decode(EnrollResponse.self, answer.body)?.nodeKey, !key.isEmpty {
                if first { enrolled.add() }
                return key
            }
            try await sleep(backoff * Double.random(in: 0.5...1.5))
            backoff = min(backoff * 2, 30)
        }
    }

    func run(startDelay: Double) async {
        do {
            try await sleep(startDelay)
            let keyBox = Box(try await enroll(first: true))
            let invalid: @Sendable (Data) -> Bool = { Agent.invalid($0) }
            // A node_invalid answer: enroll again (counted as an error by the caller's status).
            let reenroll: @Sendable () async throws -> Void = {
                let key = try await enroll(first: false)
                keyBox.set(key)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                if held {
                    group.addTask {
                        while true {
                            try Task.checkCancellation()
                            let key = keyBox.get()
                            let answer = await call("distributed/wait", path: Paths.wait, body: encode(WaitRequest(nodeKey: key, wait: options.heldWait)),
                                                              timeout: .seconds(Int64(options.heldWait) + 30))
                            guard let answer else { try await sleep(Double.random(in: 1...5)); continue }
                            if invalid(answer.body) { try await reenroll(); continue }
                            if let queries = decode(ReadResponse.self, answer.body)?.queries, !queries.isEmpty {
                                await write(queries, key: key)
                            }
                        }
                    }
                }
                group.addTask {
                    let clock = ContinuousClock()
                    let start = clock.now
                    // Config at once after enrolling (as osquery does), then every configEvery;
                    // logs and reads at a random phase within their period.
                    var nextConfig = start
                    var nextLog = start + .milliseconds(Int64(Double.random(in: 0..<options.logEvery) * 1000))
                    var nextRead = start + .milliseconds(Int64(Double.random(in: 0..<options.readEvery) * 1000))
                    // Telemetry: Vigil agents only, at its own random phase.
                    let telemetry = held && options.telemetryEvery > 0
                    var nextTelemetry = telemetry ? start + .milliseconds(Int64(Double.random(in: 0..<options.telemetryEvery) * 1000)) : start + .seconds(86_400 * 365)
                    var accelerateUntil = start
                    var etag: String?
                    var counter: Int64 = 0, reports: Int64 = 0
                    while true {
                        let next = held ? min(nextConfig, nextLog, nextTelemetry) : min(nextConfig, nextLog, nextRead)
                        try await Task.sleep(until: next, clock: clock)
                        let key = keyBox.get()
                        let now = clock.now
                        if now >= nextConfig {
                            nextConfig = now + .milliseconds(Int64(options.configEvery * 1000))
                            if let a = await call("config", path: Paths.config, body: Self.nodeBody(key, etag: etag)) {
                                if invalid(a.body) { try await reenroll(); continue }
                                if options.etag, let tag = a.headers.first(name: "ETag") { etag = tag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                            }
                        } else if now >= nextLog {
                            nextLog = now + .milliseconds(Int64(options.logEvery * 1000))
                            counter += 1
                            let a = await call("log", path: Paths.log, body: encode(logBatch(key: key, counter: counter)), gzip: options.gzipLogs)
                            if let a, invalid(a.body) { try await reenroll() }
                        } else if now >= nextTelemetry {
                            reports += 1
                            nextTelemetry = now + .milliseconds(Int64(options.telemetryEvery * 1000))
                            let a = await call("telemetry", path: Paths.telemetry,
                                                         body: encode(TelemetryReport(nodeKey: key, tables: TelemetryTemplate.tables(index: index, counter: reports))),
                                                         gzip: true) // as the Vigil agent sends it
                            if let a, invalid(a.body) { try await reenroll() }
                        } else if !held, now >= nextRead {
                            let every = now < accelerateUntil ? min(5, options.readEvery) : options.readEvery
                            nextRead = now + .milliseconds(Int64(every * 1000))
                            guard let a = await call("distributed/read", path: Paths.read, body: Self.nodeBody(key)) else { continue }
                            if a.body == Self.emptyRead { continue }
                            if invalid(a.body) { try await reenroll(); continue }
                            if let r = decode(ReadResponse.self, a.body) {
                                if let s = r.accelerate, s > 0 { accelerateUntil = clock.now + .seconds(s) }
                                if let q = r.queries, !q.isEmpty { await write(q, key: key) }
                            }
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            // Cancelled at the end of the run.
        }
    }

    /// Answer live queries: one row naming this host per query.
    func write(_ queries: [String: String], key: String) async {
        let body = WriteRequest(nodeKey: key, queries: queries.mapValues { _ in [["host": id]] }, statuses: queries.mapValues { _ in 0 })
        if await call("distributed/write", path: Paths.write, body: encode(body), always: true) != nil {
            for campaign in queries.keys { live.answered(campaign) }
            live.count.add(1, ordering: .relaxed)
        }
    }

    /// A few differential result lines, as osquery's scheduled queries produce them.
    func logBatch(key: String, counter: Int64) -> LogRequest {
        let now = Date()
        let unix = Int64(now.timeIntervalSince1970)
        let calendar = calendarTime(unix)
        let decorations = ["host_uuid": HostTemplates.uuid(index, salt: 0xA5A5), "hostname": id + ".fleet.example"]
        var lines: [ResultLine] = []
        let n = 2 + Int(counter % 3)
        for j in 0..<n {
            let pid = String(1000 + (index * 7 + Int(counter) * 13 + j) % 60000)
            let columns: [String: String]
            switch j % 3 {
            case 0: columns = ["pid": pid, "port": String(1024 + (Int(counter) + j) % 40000), "protocol": "6", "address": "0.0.0.0"]
            case 1: columns = ["pid": pid, "name": "python3", "path": "/usr/bin/python3.11", "cmdline": "python3 /opt/app/worker.py --id \(counter)", "uid": "1000"]
            default: columns = ["target_path": "/etc/app/conf.d/\(counter).yaml", "action": "UPDATED", "time": String(unix), "md5": ""]
            }
            let name = ["pack/net/listening_ports", "pack/proc/processes", "pack/fim/file_events"][j % 3]
            lines.append(ResultLine(name: name, hostIdentifier: id, calendarTime: calendar, unixTime: unix, counter: counter,
                                    decorations: decorations, columns: columns))
        }
        return LogRequest(nodeKey: key, data: lines)
    }
}

struct LiveResult: Encodable {
    var targets: Int
    var answered: Int
    var counts: [String: Int]
    var done: Bool
    var submitMs: Double
    /// From POST /queries/run sent to the first GET that showed every target answered
    /// (or to the timeout), polling every 100 ms.
    var serverSeenAllMs: Double?
    /// From POST sent to the last agent's distributed/write completing (client side).
    var lastWriteMs: Double?
    enum CodingKeys: String, CodingKey {
        case targets, answered, counts, done, submitMs = "submit_ms", serverSeenAllMs = "server_seen_all_ms", lastWriteMs = "last_write_ms"
    }
}

func ms(_ d: Duration) -> Double {
    let c = d.components
    return ((Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15) * 10).rounded() / 10
}

func runLiveQuery(options: Options, transport: Transport, live: LiveTracker, ids: [String]) async -> LiveResult? {
    guard let password = try? String(contentsOfFile: options.adminPasswordFile!, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
        note("cannot read \(options.adminPasswordFile!)"); return nil
    }
    guard let a = await transport.call("rest/login", path: Paths.login, body: try! JSONEncoder().encode(["password": password]), always: true),
          let token = try? JSONDecoder().decode(LoginResponse.self, from: a.body).token else { note("login failed"); return nil }
    let body = try! JSONEncoder().encode(RunQueryRequest(sql: "SELECT hostname AS host FROM system_info", hostIdentifiers: ids))
    let t0 = ContinuousClock.now
    guard let r = await transport.call("rest/queries/run", path: Paths.runQuery, body: body, token: token, always: true) else { note("queries/run failed"); return nil }
    guard let campaign = try? JSONDecoder().decode(RunQueryResponse.self, from: r.body).campaignID else {
        note("queries/run answered \(r.status): \(String(decoding: r.body.prefix(300), as: UTF8.self))"); return nil
    }
    let submitMs = ms(ContinuousClock.now - t0)
    var result = LiveResult(targets: ids.count, answered: 0, counts: [:], done: false, submitMs: submitMs)
    let deadline = t0 + .milliseconds(Int64(options.liveTimeout * 1000))
    while ContinuousClock.now < deadline {
        if let g = await transport.call("rest/campaign", path: Paths.runQuery + "/\(campaign)?max_rows=0&max_targets=0", body: nil, method: .GET, token: token, always: true),
           let c = try? JSONDecoder().decode(CampaignResponse.self, from: g.body) {
            result.counts = c.counts
            result.answered = c.counts["answered"] ?? 0
            result.done = c.done
            if result.answered == ids.count || c.done {
                result.serverSeenAllMs = ms(ContinuousClock.now - t0)
                break
            }
        }
        try? await Task.sleep(for: .milliseconds(100))
    }
    if let last = live.lastAnswer(String(campaign)) { result.lastWriteMs = ms(last - t0) }
    return result
}

struct Summary: Encodable {
    var agents: Int
    var heldAgents: Int
    var enrolled: Int
    var rampSeconds: Double
    var steadySeconds: Double
    var steadyStartUnix: Double
    var steadyEndUnix: Double
    var generatorCPUPercentOfOneCore: Double
    var generatorRSSMB: Double
    var endpoints: [String: Stats.Summary]
    var liveQuery: LiveResult?
    enum CodingKeys: String, CodingKey {
        case agents, heldAgents = "held_agents", enrolled, rampSeconds = "ramp_s", steadySeconds = "steady_s"
        case steadyStartUnix = "steady_start_unix", steadyEndUnix = "steady_end_unix"
        case generatorCPUPercentOfOneCore = "generator_cpu_pct_one_core", generatorRSSMB = "generator_rss_mb", endpoints
        case liveQuery = "live_query"
    }
}

@main
struct FleetLoad {
    static func main() async throws {
        let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
        let stats = Stats()
        let transport = try Transport(options: options, stats: stats)
        let live = LiveTracker()
        let enrolled = Counter()
        let heldCount = Int((Double(options.agents) * options.heldFraction).rounded())
        // Held agents spread evenly among the others.
        let agents: [Agent] = (0..<options.agents).map { i in
            let held = heldCount > 0 && (i * heldCount) / options.agents != ((i + 1) * heldCount) / options.agents
            return Agent(index: i, id: String(format: "load-%05d", i + 1), held: held, options: options, transport: transport, live: live, enrolled: enrolled)
        }
        note("\(options.agents) agents (\(agents.filter(\.held).count) held-open reads), ramp \(options.ramp) s, settle \(options.settle) s, steady \(options.duration) s")
        var summary: Summary?
        await withTaskGroup(of: Void.self) { group in
            for (i, agent) in agents.enumerated() {
                let delay = options.ramp * Double(i) / Double(options.agents) + Double.random(in: 0..<0.01)
                group.addTask { await agent.run(startDelay: delay) }
            }
            // Ramp, then wait for every enrollment (bounded), then settle.
            try? await Task.sleep(for: .milliseconds(Int64(options.ramp * 1000)))
            let enrollDeadline = ContinuousClock.now + .seconds(120)
            while enrolled.value < options.agents && ContinuousClock.now < enrollDeadline {
                try? await Task.sleep(for: .milliseconds(200))
            }
            note("\(enrolled.value) enrolled; settling \(options.settle) s")
            try? await Task.sleep(for: .milliseconds(Int64(options.settle * 1000)))

            let cpu0 = ownCPUSeconds()
            let wall0 = Date()
            let clock0 = ContinuousClock.now
            stats.phase.store(1, ordering: .relaxed)
            note("steady from \(wall0.timeIntervalSince1970)")
            var liveResult: LiveResult?
            if options.liveQuery {
                liveResult = await runLiveQuery(options: options, transport: transport, live: live, ids: agents.map(\.id))
                if let liveResult { note("live query: \(liveResult.answered)/\(liveResult.targets) answered, seen all at \(liveResult.serverSeenAllMs.map { "\($0) ms" } ?? "never")") }
            }
            let rest = Duration.milliseconds(Int64(options.duration * 1000)) - (ContinuousClock.now - clock0)
            if rest > .zero { try? await Task.sleep(for: rest) }
            stats.phase.store(2, ordering: .relaxed)
            let steady = Double(ms(ContinuousClock.now - clock0)) / 1000
            let cpu = ownCPUSeconds() - cpu0
            summary = Summary(agents: options.agents, heldAgents: heldCount, enrolled: enrolled.value, rampSeconds: options.ramp,
                              steadySeconds: steady, steadyStartUnix: wall0.timeIntervalSince1970, steadyEndUnix: Date().timeIntervalSince1970,
                              generatorCPUPercentOfOneCore: (cpu / steady * 1000).rounded() / 10, generatorRSSMB: ownRSSMegabytes(),
                              endpoints: stats.summaries(steadySeconds: steady), liveQuery: liveResult)
            group.cancelAll()
        }
        try? await transport.client.shutdown()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(summary!), as: UTF8.self))
    }
}
