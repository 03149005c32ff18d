// fleet-load: simulated agents speaking osquery's TLS API (and Vigil's held-open read)
// to `vigil server`, as Fleet's osquery-perf does. Each agent enrolls with its own
// host identifier and host details, then loops: config every --config-every s, a batch
// of result lines every --log-every s, a distributed read every 10 s (osquery) or a
// held-open read (Vigil), answering every live query it gets; Vigil agents also report
// their own telemetry every --telemetry-every s. Prints a JSON summary.
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

struct Options {
    /// Servers, each agent keeping to one (agent i to urls[i % count]), as behind a load
    /// balancer that pins a client to a server. `--url` may be given more than once.
    var urls: [String] = []
    /// Where the live query's REST calls go: the first `--url` unless the server serves its
    /// API on a listener of its own (`vigil server --ui-listen`).
    var apiURL: String?
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
    /// Held agents answer and read again in one request (`/api/v1/vigil/distributed/write`),
    /// as Vigil agents do since session 27; `--no-write-wait`: a write, then a new held read.
    var writeWait = true
    var liveQuery = false
    var adminPasswordFile: String?
    var liveTimeout = 60.0
    /// Vigil agents' telemetry report (osquery agents have none); 0: none.
    var telemetryEvery = 10.0
    /// Send the config's ETag back (a Vigil agent does; a stock osquery sends none).
    var etag = true
    /// gzip result logs (osquery's logger_tls_compress; off by default there too).
    var gzipLogs = false
    /// Set by the generator itself for its worker processes (see Crew.processesNeeded).
    var worker: Share?

    static let usage = """
        usage: fleet-load --url https://127.0.0.1:PORT [--url ...] --ca CA.pem --secret SECRET|@FILE [--agents N]
               [--held-fraction F] [--duration S] [--ramp S] [--settle S] [--log-every S] [--config-every S]
               [--read-every S] [--held-wait S] [--telemetry-every S] [--no-etag] [--no-write-wait] [--gzip-logs]
               [--live-query --admin-password-file FILE [--live-timeout S] [--api-url https://127.0.0.1:PORT]]
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
            case "--api-url": o.apiURL = value()
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
            case "--no-write-wait": o.writeWait = false
            case "--gzip-logs": o.gzipLogs = true
            case "--live-query": o.liveQuery = true
            case "--admin-password-file": o.adminPasswordFile = value()
            case "--live-timeout": o.liveTimeout = number("--live-timeout")
            case "--worker":
                let v = value()
                guard let share = Share(v) else { fail("--worker takes K/N, not '\(v)'") }
                o.worker = share
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

/// When each live query was last answered (client side), as monotonic nanoseconds
/// (CLOCK_MONOTONIC: the same clock in a worker process and its parent).
final class LiveTracker: Sendable {
    private let answers = Mutex<[String: UInt64]>([:])
    func answered(_ campaign: String) { merge([campaign: NIODeadline.now().uptimeNanoseconds]) }
    func merge(_ times: [String: UInt64]) {
        answers.withLock { a in
            for (campaign, t) in times where t > a[campaign, default: 0] { a[campaign] = t }
        }
    }
    func lastAnswer(_ campaign: String) -> UInt64? { answers.withLock { $0[campaign] } }
    var all: [String: UInt64] { answers.withLock { $0 } }
}

final class Counter: Sendable {
    private let n = Atomic<Int>(0)
    func add() { n.add(1, ordering: .relaxed) }
    var value: Int { n.load(ordering: .relaxed) }
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
    /// Not printed: what the last answer's time is read against after the workers report.
    var campaign: String?
    var t0: NIODeadline?
    enum CodingKeys: String, CodingKey {
        case targets, answered, counts, done, submitMs = "submit_ms", serverSeenAllMs = "server_seen_all_ms", lastWriteMs = "last_write_ms"
    }
}

func ms(_ d: Duration) -> Double {
    let c = d.components
    return ((Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15) * 10).rounded() / 10
}

func runLiveQuery(options: Options, lane: Lane, live: LiveTracker, ids: [String]) async -> LiveResult? {
    guard let password = try? String(contentsOfFile: options.adminPasswordFile!, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
        note("cannot read \(options.adminPasswordFile!)"); return nil
    }
    guard let a = await lane.call("rest/login", path: Paths.login, body: Wire.json(["password": password])),
          let token = Wire.decode(LoginResponse.self, a.body)?.token else { note("login failed"); return nil }
    let body = Wire.json(RunQueryRequest(sql: "SELECT hostname AS host FROM system_info", hostIdentifiers: ids))
    let t0 = NIODeadline.now()
    guard let r = await lane.call("rest/queries/run", path: Paths.runQuery, body: body, token: token) else { note("queries/run failed"); return nil }
    guard let campaign = Wire.decode(RunQueryResponse.self, r.body)?.campaignID else {
        note("queries/run answered \(r.status): \(String(buffer: r.body.getSlice(at: r.body.readerIndex, length: min(300, r.body.readableBytes))!))"); return nil
    }
    let submitMs = ms(NIODeadline.now() - t0)
    var result = LiveResult(targets: ids.count, answered: 0, counts: [:], done: false, submitMs: submitMs)
    let deadline = t0 + Agent.amount(options.liveTimeout)
    while NIODeadline.now() < deadline {
        if let g = await lane.call("rest/campaign", path: Paths.runQuery + "/\(campaign)?max_rows=0&max_targets=0", body: nil, method: .GET, token: token),
           let c = Wire.decode(CampaignResponse.self, g.body) {
            result.counts = c.counts
            result.answered = c.counts["answered"] ?? 0
            result.done = c.done
            if result.answered == ids.count || c.done {
                result.serverSeenAllMs = ms(NIODeadline.now() - t0)
                break
            }
        }
        try? await Task.sleep(for: .milliseconds(100))
    }
    // Workers' answers arrive with their reports, after the run: see `lastWriteMs` there.
    result.campaign = String(campaign)
    result.t0 = t0
    return result
}

func ms(_ d: TimeAmount) -> Double { (Double(d.nanoseconds) / 100_000).rounded() / 10 }

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

func clientTLS(_ options: Options) throws -> NIOSSLContext {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.minimumTLSVersion = .tlsv12
    tls.shutdownTimeout = .milliseconds(200)
    if let ca = options.ca { tls.trustRoots = .file(ca) }
    return try NIOSSLContext(configuration: tls)
}

@main
struct FleetLoad {
    static func main() async throws {
        let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
        let stats = Stats()
        let live = LiveTracker()
        let enrolled = Counter()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let ssl = try clientTLS(options)
        let targets: [Target]
        let api: Target
        do {
            targets = try options.urls.map { try Target(url: $0, ssl: ssl, stats: stats) }
            api = try options.apiURL.map { try Target(url: $0, ssl: ssl, stats: stats) } ?? targets[0]
        } catch { fail("\(error)") }
        let fleet = Fleet(options: options, targets: targets, live: live, enrolled: enrolled)
        if let share = options.worker {
            await Worker.run(share: share, fleet: fleet, group: group, stats: stats)
            return
        }
        let heldCount = Crew.heldCount(options)
        let workers = Crew.processesNeeded(options)
        note("\(options.agents) agents (\(heldCount) held-open reads), ramp \(options.ramp) s, settle \(options.settle) s, steady \(options.duration) s"
             + (workers > 1 ? ", in \(workers) worker processes (open-file limit \(Crew.openFileLimit()))" : ""))
        let crew: Crew? = workers == 1 ? Crew(fleet: fleet, group: group, share: .init(index: 0, of: 1)) : nil
        let children: [WorkerProcess]
        do { children = workers == 1 ? [] : try (0..<workers).map { try WorkerProcess(share: .init(index: $0, of: workers)) } } catch {
            fail("cannot start a worker process: \(error)")
        }
        crew?.start()
        func enrolledNow() -> Int { crew != nil ? enrolled.value : children.reduce(0) { $0 + $1.enrolled } }

        // Ramp, then wait for every enrollment (bounded), then settle.
        try? await Task.sleep(for: .milliseconds(Int64(options.ramp * 1000)))
        let enrollDeadline = NIODeadline.now() + .seconds(120)
        while enrolledNow() < options.agents && NIODeadline.now() < enrollDeadline {
            try? await Task.sleep(for: .milliseconds(200))
        }
        note("\(enrolledNow()) enrolled; settling \(options.settle) s")
        try? await Task.sleep(for: .milliseconds(Int64(options.settle * 1000)))

        let cpu0 = ownCPUSeconds()
        let wall0 = Date()
        let t0 = NIODeadline.now()
        stats.phase.store(1, ordering: .relaxed)
        for c in children { c.command("steady") }
        note("steady from \(wall0.timeIntervalSince1970)")
        var liveResult: LiveResult?
        if options.liveQuery {
            let ids = (0..<options.agents).map(Agent.hostIdentifier)
            let lane = Lane(loop: group.next(), target: api)
            Lane.sweep([lane], on: lane.loop)
            liveResult = await runLiveQuery(options: options, lane: lane, live: live, ids: ids)
            if let liveResult { note("live query: \(liveResult.answered)/\(liveResult.targets) answered, seen all at \(liveResult.serverSeenAllMs.map { "\($0) ms" } ?? "never")") }
        }
        let rest = Agent.amount(options.duration) - (NIODeadline.now() - t0)
        if rest > .zero { try? await Task.sleep(for: .nanoseconds(rest.nanoseconds)) }
        stats.phase.store(2, ordering: .relaxed)
        let steady = ms(NIODeadline.now() - t0) / 1000
        var cpu = ownCPUSeconds() - cpu0
        var rss = ownRSSMegabytes()
        for c in children { c.command("stop") }
        for c in children {
            guard let report = await c.report() else { fail("worker \(c.share.index) ended without its report") }
            cpu += report.cpuSeconds
            rss += report.rssMB
            stats.merge(report.endpoints)
            live.merge(report.liveAnswers)
        }
        if var r = liveResult, let campaign = r.campaign, let t = r.t0 {
            if let last = live.lastAnswer(campaign) { r.lastWriteMs = ms(.nanoseconds(Int64(last) - Int64(t.uptimeNanoseconds))) }
            liveResult = r
        }
        let summary = Summary(agents: options.agents, heldAgents: heldCount, enrolled: enrolledNow(), rampSeconds: options.ramp,
                              steadySeconds: steady, steadyStartUnix: wall0.timeIntervalSince1970, steadyEndUnix: Date().timeIntervalSince1970,
                              generatorCPUPercentOfOneCore: (cpu / steady * 1000).rounded() / 10, generatorRSSMB: (rss * 10).rounded() / 10,
                              endpoints: stats.summaries(steadySeconds: steady), liveQuery: liveResult)
        await crew?.stop()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(summary), as: UTF8.self))
    }
}
