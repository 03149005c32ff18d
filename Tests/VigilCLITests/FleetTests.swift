import Foundation
import Testing
import VigilAgent
import VigilTestSupport

/// A real `vigil agent` enrolled to a real `vigil server`, over HTTPS with the CA the
/// server made, driven through the REST API with curl; the answers checked against /proc.
@Suite(.ownThread, .serialized) struct FleetTests {
    static let quietConfig = "schedule: {}\noptions:\n  disable_events: true\n"

    @Test func agentEnrollsAndAnswersALiveQueryWithinASecondOfItsSubmission() throws {
        let server = try RunningServer()
        let agent = try RunningAgent(config: Self.quietConfig, flags: server.agentFlags())
        let token = try server.adminToken()
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log)")
        let host = try #require(try server.hosts(token).first)
        #expect(host["agent"] as? String == "vigil")
        #expect(host["hostname"] as? String == ProcessInfo.processInfo.hostName)
        let identifier = try #require(host["host_identifier"] as? String)
        // Give the agent's held read a moment to be in place, as it is on any idle host.
        usleep(1_500_000)
        let worker = try #require(agent.workerPID)
        let started = Date()
        let run = try server.api("/api/v1/queries/run", method: "POST",
                                 body: #"{"sql":"SELECT pid, name, parent FROM processes WHERE pid = \#(worker)","host_identifiers":["\#(identifier)"]}"#,
                                 token: token) as? [String: Any]
        let id = try #require(run?["campaign_id"] as? Int)
        var answer: [String: Any] = [:]
        #expect(server.wait(10) {
            answer = try server.api("/api/v1/queries/run/\(id)", token: token) as? [String: Any] ?? [:]
            return answer["done"] as? Bool == true
        }, "no answer: \(answer); agent log: \(agent.log)")
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 2, "the live query took \(elapsed) s")
        let rows = try #require(answer["rows"] as? [[String: Any]])
        #expect(rows.count == 1)
        // Ground truth: /proc of the worker that answered.
        let comm = try String(contentsOfFile: "/proc/\(worker)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(rows.first?["pid"] as? String == String(worker))
        #expect(rows.first?["name"] as? String == comm)
        #expect(rows.first?["parent"] as? String == String(agent.pid))
        #expect(rows.first?["host_identifier"] as? String == identifier)
        // Details came from the agent's own tables in its first reads: uptime against /proc/uptime.
        var details: [String: Any] = [:]
        #expect(server.wait(15) {
            details = (try server.api("/api/v1/hosts/\(try #require(host["id"] as? Int))", token: token) as? [String: Any])?["host"] as? [String: Any] ?? [:]
            return (details["details_updated_at"] as? Int ?? 0) > 0
        }, "\(details)")
        // The uptime then: /proc/uptime now, less the time since the details were taken.
        let uptimeNow = try Double(String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ")[0]) ?? 0
        let age = Date().timeIntervalSince1970 - Double(details["details_updated_at"] as? Int ?? 0)
        #expect(abs(Double(details["uptime_seconds"] as? Int ?? 0) - (uptimeNow - age)) < 5, "\(details["uptime_seconds"] ?? "none") vs \(uptimeNow - age)")
        #expect(((details["interfaces"] as? [[String: Any]]) ?? []).contains { $0["address"] as? String == "127.0.0.1" }, "\(details["interfaces"] ?? "none")")
    }

    @Test func aForgottenHostEnrollsAgainAndStillAnswers() throws {
        let server = try RunningServer()
        let agent = try RunningAgent(config: Self.quietConfig, flags: server.agentFlags())
        let token = try server.adminToken()
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log)")
        let host = try #require(try server.hosts(token).first)
        let id = try #require(host["id"] as? Int)
        let identifier = try #require(host["host_identifier"] as? String)
        let keyBefore = try String(contentsOfFile: agent.dataDirectory + "/node_key", encoding: .utf8)
        _ = try server.api("/api/v1/hosts/\(id)", method: "DELETE", token: token)
        // The agent's next call gets node_invalid and it enrolls again, with a new key.
        #expect(server.wait(30) {
            let key = try String(contentsOfFile: agent.dataDirectory + "/node_key", encoding: .utf8)
            return key != keyBefore
        }, "the agent did not enroll again: \(agent.log)")
        #expect(agent.log.contains("enrolling again"))
        let answer = try server.liveQuery("SELECT 7 AS seven", hosts: [identifier], token: token)
        #expect(answer["done"] as? Bool == true, "\(answer)")
        #expect((answer["rows"] as? [[String: Any]])?.first?["seven"] as? String == "7")
    }

    /// A Vigil agent's own warnings reach the server as osquery's status log: the line
    /// the agent wrote to its log, with osquery's fields, under its enrolled identity.
    @Test func theAgentsWarningsArriveAsStatusLogLines() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{"broken":{"query":"SELECT * FROM no_such_table","interval":1}}}"#, token: token)
        let agent = try RunningAgent(config: Self.quietConfig, flags: server.agentFlags())
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log)")
        let identifier = try #require(try server.hosts(token).first?["host_identifier"] as? String)
        var status: [[String: Any]] = []
        #expect(server.wait(40) {
            status = ((try server.api("/api/v1/results?log_type=status&per_page=500", token: token) as? [String: Any])?["results"] as? [[String: Any]]) ?? []
            return status.contains { ($0["message"] as? String)?.contains("query broken failed") == true }
        }, "no status line: \(status.prefix(5)); agent log: \(agent.log.suffix(2000))")
        let line = try #require(status.first { ($0["message"] as? String)?.contains("query broken failed") == true })
        #expect(line["severity"] as? String == "1")
        #expect(line["hostIdentifier"] as? String == identifier)
        #expect(Int(line["unixTime"] as? String ?? "") ?? 0 > 1_700_000_000)
        #expect((line["filename"] as? String)?.hasSuffix(".swift") == true)
        // Ground truth: the agent's own log has the same warning.
        let message = try #require(line["message"] as? String)
        #expect(agent.log.contains(String(message.prefix(60))), "\(message) not in the agent's log")
    }

    /// Results made while the server is down wait in the agent's state database and
    /// arrive, all of them, in order and once, when it is back.
    @Test func resultsMadeWhileTheServerIsDownArriveInOrderWhenItReturns() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{"tick":{"query":"SELECT 1 AS one","interval":1,"snapshot":true}}}"#, token: token)
        let agent = try RunningAgent(config: Self.quietConfig, flags: server.agentFlags())
        func serverCounters() throws -> [Int] { try server.counters("tick", token: token) }
        #expect(server.wait(40) { try serverCounters().count >= 2 }, "no results reached the server: \(agent.log)")
        server.stop()
        let before = try agent.results().filter { $0["name"] as? String == "tick" }.count
        // The schedule goes on with the server gone.
        #expect(agent.wait(30) { try agent.results().filter { $0["name"] as? String == "tick" }.count >= before + 4 })
        try server.start()
        let local = try agent.results().filter { $0["name"] as? String == "tick" }.compactMap { $0["counter"] as? Int }
        #expect(server.wait(60) { Set(try serverCounters()).isSuperset(of: local) }, "server has \((try? serverCounters()) ?? []), agent logged \(local)")
        let counters = try serverCounters()
        // In order, none twice, none missing.
        #expect(counters == Array(counters.first!...counters.last!), "\(counters)")
        #expect(counters.first == local.first)
    }

    /// The server killed with SIGKILL while an agent sends results every second, and
    /// restarted: what it acknowledged is stored, what it did not the agent sends again,
    /// and nothing is stored twice.
    @Test func aServerKilledMidStreamLosesNothingItAcknowledged() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{"tick":{"query":"SELECT 1 AS one","interval":1,"snapshot":true}}}"#, token: token)
        let agent = try RunningAgent(config: Self.quietConfig, flags: server.agentFlags())
        func serverCounters() throws -> [Int] { try server.counters("tick", token: token) }
        #expect(server.wait(40) { try serverCounters().count >= 3 }, "no results reached the server: \(agent.log)")
        let acknowledged = try serverCounters()
        server.kill9()
        usleep(3_000_000)
        try server.start()
        #expect(server.wait(30) { try serverCounters().count >= acknowledged.count + 3 }, "no results after the restart: \(agent.log)")
        let counters = try serverCounters()
        // Everything acknowledged before the kill is still there, and what followed it
        // arrived: in order, none twice, none missing.
        #expect(Set(acknowledged).isSubset(of: Set(counters)), "lost: \(Set(acknowledged).subtracting(counters).sorted())")
        #expect(counters == Array(counters.first!...counters.last!), "\(counters)")
        let local = try agent.results().filter { $0["name"] as? String == "tick" }.compactMap { $0["counter"] as? Int }
        #expect(server.wait(30) { Set(try serverCounters()).isSuperset(of: local) }, "the agent logged \(local)")
        // The database survived the kill: SQLite's own check finds nothing wrong.
        let check = try CLI.run([server.dir + "/server.db", "PRAGMA integrity_check"], executable: "/usr/bin/sqlite3")
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(check.stdout)\(check.stderr)")
    }
}

/// The agent's own cost, as the server shows it, against /proc and the agent's own tables.
@Suite(.ownThread, .serialized) struct FleetTelemetryTests {
    @Test func telemetryAndScheduleCostsReachTheServerAndMatchTheAgent() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{"tick":{"query":"SELECT 1 AS one","interval":1}}}"#, token: token)
        let agent = try RunningAgent(config: FleetTests.quietConfig, flags: server.agentFlags(["--vigil_telemetry_interval=2"]))
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log)")
        let id = try #require(try server.hosts(token).first?["id"] as? Int)
        var points: [[String: Any]] = []
        #expect(server.wait(40) {
            points = (try server.api("/api/v1/hosts/\(id)/telemetry", token: token) as? [String: Any])?["points"] as? [[String: Any]] ?? []
            return !points.isEmpty
        }, "no telemetry: \(agent.log)")
        // The report goes gzip-compressed (its largest upload: about 28 MB a day as JSON),
        // as the server's count of request bytes by encoding shows.
        let metrics = try server.metrics(token: token)
        let route = #"route="/api/v1/vigil/telemetry""#
        #expect(RunningServer.sample(metrics, "vigil_http_request_body_bytes_total", [route, #"encoding="gzip""#]) > 0, "\(metrics)")
        #expect(RunningServer.sample(metrics, "vigil_http_request_body_bytes_total", [route, #"encoding="identity""#]) == 0)
        let worker = try #require(agent.workerPID)
        let status = try String(contentsOfFile: "/proc/\(worker)/status", encoding: .utf8)
        func field(_ name: String) -> Double {
            Double(status.split(separator: "\n").first { $0.hasPrefix(name + ":") }?.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? -1
        }
        let rss = try #require(points.last?["resident_size"] as? Int)
        let rssKB = field("VmRSS")
        #expect(abs(Double(rss) / 1024 - rssKB) < rssKB * 0.5, "server says \(rss) B, /proc says \(rssKB) kB")
        let threads = try #require(points.last?["threads"] as? Int)
        #expect(abs(Double(threads) - field("Threads")) <= 4, "server says \(threads) threads, /proc says \(field("Threads"))")
        // The schedule's cost: the server's copy matches what the agent's own table says.
        var health: [String: Any] = [:]
        #expect(server.wait(30) {
            health = try server.api("/api/v1/hosts/\(id)/health", token: token) as? [String: Any] ?? [:]
            return ((health["schedule"] as? [[String: Any]])?.first { $0["name"] as? String == "tick" }?["executions"] as? Int ?? 0) >= 3
        }, "\(health)")
        let reported = try #require((health["schedule"] as? [[String: Any]])?.first { $0["name"] as? String == "tick" }?["executions"] as? Int)
        let local = try CLI.vigil("query", "--agent", "--data-dir", agent.dataDirectory, "-f", "json", "SELECT executions FROM vigil_schedule WHERE name = 'tick'")
        let now = try #require(Int((try JSONSerialization.jsonObject(with: Data(local.stdout.utf8)) as? [[String: Any]])?.first?["executions"] as? Int ?? -1))
        // Reports are at most 2 s old; the query runs every second.
        #expect(reported <= now && reported >= now - 5, "server \(reported), agent \(now)")
        let performance = try server.api("/api/v1/queries/performance", token: token) as? [String: Any]
        let tick = try #require((performance?["queries"] as? [[String: Any]])?.first { $0["name"] as? String == "tick" })
        #expect(tick["hosts"] as? Int == 1)
        #expect(tick["denylisted_hosts"] as? Int == 0)
        #expect((tick["wall_time_ms"] as? [String: Any])?["p99"] != nil)
    }
}

/// Two real agents, a dynamic label one of them is in, a pack for that label and a
/// pack rolled out to 50% of hosts by osquery's shard.
@Suite(.ownThread, .serialized) struct FleetLabelTests {
    @Test func labelsAndShardsDecideWhichAgentsScheduleWhat() throws {
        // Two identifiers, one inside shard 50 and one outside it, by the agents' own hash.
        let names = (1...500).map { "fleet-shard-\($0)" }
        let inside = try #require(names.first { StableHash.shard(hostIdentifier: $0) <= 50 })
        let outside = try #require(names.first { StableHash.shard(hostIdentifier: $0) > 50 })
        let server = try RunningServer(arguments: "--label-refresh 2")
        let token = try server.adminToken()
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{}}"#, token: token)
        let a = try RunningAgent(config: FleetTests.quietConfig, flags: server.agentFlags(["--host_identifier=specified", "--specified_identifier=\(inside)"]))
        let b = try RunningAgent(config: FleetTests.quietConfig, flags: server.agentFlags(["--host_identifier=specified", "--specified_identifier=\(outside)"]))
        #expect(server.wait(30) { try server.hosts(token).count == 2 }, "\(a.log)\n\(b.log)")
        // Both run on this machine: the label tells them apart by the answering worker's pid.
        let workerA = try #require(a.workerPID)
        _ = try server.api("/api/v1/labels", method: "POST", body: #"{"name":"marked","query":"SELECT pid FROM osquery_info WHERE pid = \#(workerA)"}"#, token: token)
        #expect(server.wait(30) {
            let hosts = (try server.api("/api/v1/hosts?label=marked", token: token) as? [String: Any])?["hosts"] as? [[String: Any]] ?? []
            return hosts.map { $0["host_identifier"] as? String } == [inside]
        })
        _ = try server.api("/api/v1/packs", method: "POST", body: #"{"name":"marked_only","labels":["marked"],"pack":{"queries":{"q":{"query":"SELECT 1","interval":3600}}}}"#, token: token)
        _ = try server.api("/api/v1/packs", method: "POST", body: #"{"name":"rollout","pack":{"shard":50,"queries":{"q":{"query":"SELECT 2","interval":3600}}}}"#, token: token)
        func scheduled(_ agent: RunningAgent) throws -> Set<String> {
            let r = try CLI.vigil("query", "--agent", "--data-dir", agent.dataDirectory, "-f", "json", "SELECT name FROM vigil_schedule")
            return Set(((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
        }
        // a is in the label and in the shard: both packs. b: neither.
        #expect(a.wait(40) { try scheduled(a) == ["pack_marked_only_q", "pack_rollout_q"] }, "a schedules \((try? scheduled(a)) ?? [])")
        // b has the rollout pack in its config (once its next fetch brings it: the agents
        // fetch on their own clocks) but skips it by its shard, as osquery would.
        func bConfig() -> String { (try? String(contentsOfFile: b.dataDirectory + "/server_config.json", encoding: .utf8)) ?? "" }
        #expect(b.wait(40) { bConfig().contains("rollout") }, "b's config: \(bConfig())")
        #expect(!bConfig().contains("marked_only"))
        let bSchedules = try scheduled(b)
        #expect(bSchedules.isEmpty, "b schedules \(bSchedules)")
    }
}

/// A CPU profile of a running agent, asked for through the server, without a restart.
@Suite(.ownThread, .serialized) struct FleetProfileTests {
    @Test func aRemoteSelfProfileArrivesAsAPprofThatGoToolPprofReads() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        let agent = try RunningAgent(config: FleetTests.quietConfig, flags: server.agentFlags())
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log)")
        let id = try #require(try server.hosts(token).first?["id"] as? Int)
        let worker = try #require(agent.workerPID)
        let asked = try server.api("/api/v1/hosts/\(id)/profiles", method: "POST", body: #"{"seconds":2}"#, token: token) as? [String: Any]
        let profile = try #require(asked?["profile_id"] as? Int, "\(String(describing: asked))")
        var record: [String: Any] = [:]
        #expect(server.wait(30) {
            record = try server.api("/api/v1/profiles/\(profile)", token: token) as? [String: Any] ?? [:]
            return record["state"] as? String == "done" || record["state"] as? String == "failed"
        }, "\(record); \(agent.log)")
        #expect(record["state"] as? String == "done", "\(record)")
        #expect((record["report"] as? String)?.contains("threads") == true, "\(record)")
        // The same worker: profiled in place, not restarted.
        #expect(agent.workerPID == worker)
        let path = server.dir + "/agent.pb.gz"
        let download = try CLI.run(["-sS", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)", "-o", path,
                                    server.url + "/api/v1/profiles/\(profile)/pprof"], executable: "/usr/bin/curl")
        #expect(download.status == 0)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.count > 20 && bytes[0] == 0x1f && bytes[1] == 0x8b, "not gzip")
        let go = try #require(["/usr/bin/go", "/usr/lib/go/bin/go"].first { FileManager.default.isExecutableFile(atPath: $0) }, "go is installed by scripts/bootstrap")
        let top = try CLI.run(["tool", "pprof", "-top", path], executable: go)
        #expect(top.status == 0, "\(top.stderr)")
        #expect(top.stdout.contains("Type: cpu"), "\(top.stdout)")
        // Folded stacks and a flame graph, made by the server from the stored pprof.
        let folded = try CLI.run(["-sS", "--fail", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)", server.url + "/api/v1/profiles/\(profile)/folded"],
                                 executable: "/usr/bin/curl")
        #expect(folded.status == 0, "\(folded.stderr)")
        let counts = folded.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        #expect(counts.reduce(0, +) == record["samples"] as? Int, "\(counts.count) stacks; record \(record)")
        #expect(folded.stdout.split(separator: "\n").allSatisfy { $0.contains(";") || !$0.isEmpty }, "\(folded.stdout.prefix(500))")
        let svg = try CLI.run(["-sS", "--fail", "-D", server.dir + "/svg.headers", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)",
                               server.url + "/api/v1/profiles/\(profile)/svg"], executable: "/usr/bin/curl")
        #expect(svg.status == 0 && svg.stdout.hasPrefix("<?xml") && svg.stdout.contains("</svg>"), "\(svg.stdout.prefix(300))")
        let headers = try String(contentsOfFile: server.dir + "/svg.headers", encoding: .utf8).lowercased()
        #expect(headers.contains("content-security-policy: sandbox"), "\(headers)")
    }

    /// Continuous profiles (profiling_interval) reach the server as the agent writes
    /// them, byte for byte; results are delivered with logger_tls_compress on (the
    /// server refuses a corrupt gzip body, so a broken compressor fails here).
    @Test func continuousProfilesAndCompressedResultsReachTheServer() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{"tick":{"query":"SELECT 1 AS one","interval":1,"snapshot":true}}}"#, token: token)
        let config = FleetTests.quietConfig + "  profiling_interval: 2\n"
        let agent = try RunningAgent(config: config, flags: server.agentFlags(["--logger_tls_compress=true"]))
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log)")
        let id = try #require(try server.hosts(token).first?["id"] as? Int)
        var profiles: [[String: Any]] = []
        #expect(server.wait(40) {
            profiles = (try server.api("/api/v1/hosts/\(id)/profiles", token: token) as? [String: Any])?["profiles"] as? [[String: Any]] ?? []
            return !profiles.isEmpty
        }, "no continuous profile: \(agent.log)")
        let profile = try #require(profiles.last?["id"] as? Int)
        let path = server.dir + "/continuous.pb.gz"
        let download = try CLI.run(["-sS", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)", "-o", path,
                                    server.url + "/api/v1/profiles/\(profile)/pprof"], executable: "/usr/bin/curl")
        #expect(download.status == 0)
        // The same bytes as one of the files the agent wrote.
        let uploaded = try #require(FileManager.default.contents(atPath: path))
        let written = try FileManager.default.contentsOfDirectory(atPath: agent.dataDirectory + "/profiles")
            .compactMap { FileManager.default.contents(atPath: agent.dataDirectory + "/profiles/" + $0) }
        #expect(written.contains(uploaded), "the uploaded profile is none of the \(written.count) files written")
        // Results came through the gzip'd logger.
        #expect(server.wait(30) {
            let reply = try server.api("/api/v1/results?name=tick", token: token) as? [String: Any]
            return ((reply?["results"] as? [[String: Any]]) ?? []).count >= 2
        }, "no results: \(agent.log)")
    }
}

/// The server on a real PostgreSQL instead of its embedded SQLite: the same agent, the
/// same API, and the fleet's state in PostgreSQL alone (a restarted server, or a token
/// made from the command line, finds it there).
@Suite(.ownThread, .serialized) struct FleetPostgresTests {
    @Test(.enabled(if: TestPostgres.available, "PostgreSQL is not installed"))
    func aServerOnPostgreSQLServesAgentsAndKeepsTheFleetThere() throws {
        let database = try TestPostgres.newDatabase()
        let name = TestPostgres.name(of: database)
        let server = try RunningServer(arguments: "--database '\(database)'")
        let token = try server.adminToken()
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{"tick":{"query":"SELECT 1 AS one","interval":1,"snapshot":true}}}"#, token: token)
        let agent = try RunningAgent(config: FleetTests.quietConfig, flags: server.agentFlags())
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log) \(server.log)")
        let identifier = try #require(try server.hosts(token).first?["host_identifier"] as? String)
        #expect(!FileManager.default.fileExists(atPath: server.dir + "/server.db"), "no SQLite file beside PostgreSQL")
        #expect(try TestPostgres.query(database: name, "SELECT host_identifier FROM hosts") == [identifier])

        // A live query, answered through the PostgreSQL store within the held read's second.
        usleep(1_500_000)
        let started = Date()
        let answer = try server.liveQuery("SELECT 7 AS seven", hosts: [identifier], token: token, seconds: 10)
        #expect(answer["done"] as? Bool == true, "no answer: \(answer)")
        #expect(Date().timeIntervalSince(started) < 2)
        let campaign = try #require(answer["campaign_id"] as? Int)
        #expect((answer["rows"] as? [[String: Any]])?.first?["seven"] as? String == "7")

        // Scheduled results: what the API lists is what PostgreSQL holds.
        func results() throws -> [[String: Any]] {
            ((try server.api("/api/v1/results?name=tick&per_page=1000", token: token) as? [String: Any])?["results"] as? [[String: Any]]) ?? []
        }
        #expect(server.wait(30) { try results().count >= 3 }, "no results: \(agent.log)")

        // A token made from the command line against the same database works at once.
        let made = try CLI.run(["server", "token", "create", "--data-dir", server.dir, "--database", database, "--role", "observer"])
        #expect(made.status == 0, "\(made.stderr)")
        let observer = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try server.hosts(observer).count == 1)

        // Restarted, the server finds its hosts, results and campaigns where it left them.
        server.stop()
        let stored = Int(try TestPostgres.query(database: name, "SELECT count(*) FROM logs WHERE name = 'tick'").first ?? "") ?? -1
        try server.start()
        #expect(try server.hosts(token).map { $0["host_identifier"] as? String } == [identifier])
        #expect(try results().count >= stored && stored >= 3)
        #expect((try server.api("/api/v1/queries/run/\(campaign)", token: token) as? [String: Any])?["done"] as? Bool == true)
    }
}
