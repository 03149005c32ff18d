import Foundation
import Testing
import VigilTestSupport
import VigilWire

/// The OTLP export of result lines and live-query answers survives the server: what was
/// stored while the collector is down, or while it was being exported, reaches it after a
/// SIGKILL and a restart, each as stored and in the order stored; an item arrives twice
/// only within the one batch that was in flight, which the server counts. On the embedded
/// SQLite and on PostgreSQL.
@Suite(.ownThread, .serialized, .enabled(if: OTLPReceiver.available, "needs opentelemetry-proto (scripts/bootstrap)"))
struct FleetOTLPRestartTests {
    static var databases: [String] { TestPostgres.available ? ["sqlite", "postgres"] : ["sqlite"] }
    /// The exporter's batch (OTLPExportConfiguration.batchSize): the most that may arrive twice.
    static let batch = 512

    /// A server on `database` exporting to a port where no collector listens yet.
    static func server(_ database: String) throws -> (RunningServer, port: Int) {
        let port = try RunningServer.freePort()
        let db = database == "postgres" ? " --database '\(try TestPostgres.newDatabase())'" : ""
        return (try RunningServer(arguments: "--otlp-endpoint http://127.0.0.1:\(port) --otlp-interval 3600" + db), port)
    }

    /// An osquery host enrolled with the server's secret; its node key.
    static func enroll(_ server: RunningServer, _ host: String) throws -> String {
        let secret = try String(contentsOfFile: server.dir + "/enroll_secret", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let enrolled = try server.api(OsqueryPaths.enroll, method: "POST", body: #"{"enroll_secret":"\#(secret)","host_identifier":"\#(host)","host_details":{}}"#) as? [String: Any]
        return try #require(enrolled?["node_key"] as? String)
    }

    @Test(arguments: databases) func aServerKilledWithLinesUnexportedExportsThemAllAfterItsRestart(_ database: String) throws {
        let (server, port) = try Self.server(database)
        let token = try server.adminToken()
        let key = try Self.enroll(server, "otlp-kill")
        var next = 0
        // Times of now: lines older than the retention (30 days) would be deleted when the server starts again.
        let now = Int(Date().timeIntervalSince1970)
        func post(_ count: Int) throws {
            let data = (next..<next + count).map { #"{"name":"q","action":"added","unixTime":\#(now + $0),"columns":{"i":"\#($0)"}}"# }
            next += count
            let reply = try server.api(OsqueryPaths.log, method: "POST", body: #"{"node_key":"\#(key)","log_type":"result","data":[\#(data.joined(separator: ","))]}"#)
            #expect((reply as? [String: Any])?["node_invalid"] == nil, "\(reply)")
        }
        func metric(_ name: String, _ labels: [String] = []) throws -> Double {
            RunningServer.sample(try server.metrics(token: token), name, [#"signal="logs""#] + labels)
        }
        /// Each stored line of `q` as "i time", in the order stored (the API lists by id).
        func stored() throws -> [String] {
            var out: [String] = []
            for page in 0... {
                let reply = try server.api("/api/v1/results?name=q&per_page=1000&page=\(page)", token: token) as? [String: Any]
                let lines = (reply?["results"] as? [[String: Any]]) ?? []
                out += lines.map { "\(($0["columns"] as? [String: Any])?["i"] ?? "?") \($0["unixTime"] ?? "?")" }
                if lines.count < 1000 { return out }
            }
            return out
        }

        // The collector is down: the lines are stored and acknowledged, and the first batch is tried.
        for _ in 0..<3 { try post(400) }
        #expect(server.wait(90) { try metric("vigil_otlp_requests_total", [#"outcome="retry""#]) >= 1 }, "\(server.log.suffix(2000))")
        server.kill9()

        // The collector comes up, the server starts again, and more lines arrive.
        let receiver = try OTLPReceiver(port: UInt16(port))
        defer { receiver.stop() }
        func delivered() -> [String] {
            OTLPJSON.children(OTLPJSON.children(receiver.messages("/v1/logs").flatMap { $0["resource_logs"]?.array ?? [] }, "scope_logs"), "log_records").map {
                "\(OTLPJSON.value($0["body"])["i"]?.text ?? "?") \((OTLPJSON.uint($0["time_unix_nano"]) ?? 0) / 1_000_000_000)"
            }
        }
        /// Each line once, where it first arrived.
        func firsts(_ all: [String]) -> [String] {
            var seen = Set<String>()
            return all.filter { seen.insert($0).inserted }
        }
        func check(after restart: String, total: Int) throws {
            #expect(server.wait(240) { firsts(delivered()).count >= total }, "after \(restart): \(firsts(delivered()).count) of \(total) lines; \(receiver.stderr) \(server.log.suffix(2000))")
            let all = delivered(), expected = try stored()
            #expect(expected.count == total)
            #expect(firsts(all) == expected, "after \(restart): the lines arrive as stored, in order")
            // Twice only within the batch in flight at the kill, which the restarted server counted.
            let resent = try metric("vigil_otlp_resent_items_total")
            #expect(all.count - total <= Int(resent), "after \(restart): \(all.count - total) duplicates, \(resent) counted")
            #expect(resent <= Double(Self.batch))
            #expect(receiver.errors.isEmpty, "\(receiver.errors)")
        }
        try server.start()
        try post(300)
        try check(after: "a kill with the collector down", total: 1500)
        // The batch the first server was retrying went again, and was counted (the collector may have had it).
        #expect(try metric("vigil_otlp_resent_items_total") >= 1)

        // Killed while it exports, with the collector up: what was in flight may arrive twice, no more.
        for _ in 0..<5 { try post(400) }
        server.kill9()
        try server.start()
        try check(after: "a kill during the export", total: 3500)
        #expect(try metric("vigil_otlp_dropped_items_total") == 0, "nothing dropped")
    }

    /// Two hosts answer a live query (700 rows, more than a batch) while the collector is
    /// down; the server is killed; after its restart every row reaches the collector, as the
    /// host sent it, under that host, with the live query's id.
    @Test(arguments: databases) func liveQueryAnswersStoredBeforeAKillAreExportedAfterTheRestart(_ database: String) throws {
        let (server, port) = try Self.server(database)
        let token = try server.adminToken()
        let keys = [try Self.enroll(server, "answer-1"), try Self.enroll(server, "answer-2")]
        let run = try server.api("/api/v1/queries/run", method: "POST", body: #"{"sql":"SELECT 1","host_identifiers":["answer-1","answer-2"]}"#, token: token) as? [String: Any]
        let campaign = try #require(run?["campaign_id"] as? Int)
        var expected: [String] = []
        for (n, key) in keys.enumerated() {
            let read = try server.api(OsqueryPaths.distributedRead, method: "POST", body: #"{"node_key":"\#(key)"}"#) as? [String: Any]
            #expect((read?["queries"] as? [String: Any])?["\(campaign)"] != nil, "\(String(describing: read))")
            let rows = (0..<(300 + 100 * n)).map { #"{"h":"\#(n + 1)","i":"\#($0)"}"# }
            expected += (0..<(300 + 100 * n)).map { "answer-\(n + 1) \(n + 1) \($0)" }
            let body = #"{"node_key":"\#(key)","queries":{"\#(campaign)":[\#(rows.joined(separator: ","))]},"statuses":{"\#(campaign)":0}}"#
            _ = try server.api(OsqueryPaths.distributedWrite, method: "POST", body: body)
        }
        func metric(_ name: String, _ labels: [String] = []) throws -> Double {
            RunningServer.sample(try server.metrics(token: token), name, [#"signal="logs""#] + labels)
        }
        #expect(server.wait(90) { try metric("vigil_otlp_requests_total", [#"outcome="retry""#]) >= 1 }, "\(server.log.suffix(2000))")
        server.kill9()

        let receiver = try OTLPReceiver(port: UInt16(port))
        defer { receiver.stop() }
        /// Each answer row as "host h i", in the order it arrived.
        func delivered() -> [String] {
            receiver.messages("/v1/logs").flatMap { $0["resource_logs"]?.array ?? [] }.flatMap { resource -> [String] in
                let host = OTLPJSON.attributes(resource["resource"]?["attributes"])["vigil.host.identifier"]?.text ?? "?"
                return OTLPJSON.children(resource["scope_logs"]?.array ?? [], "log_records").compactMap { record -> String? in
                    guard record["event_name"] == "vigil.live_query.result",
                          OTLPJSON.attributes(record["attributes"])["vigil.campaign.id"] == .integer(Int64(campaign)) else { return nil }
                    let body = OTLPJSON.value(record["body"])
                    return "\(host) \(body["h"]?.text ?? "?") \(body["i"]?.text ?? "?")"
                }
            }
        }
        try server.start()
        #expect(server.wait(240) { Set(delivered()).count >= expected.count }, "\(Set(delivered()).count) of \(expected.count) rows; \(receiver.stderr) \(server.log.suffix(2000))")
        var seen = Set<String>()
        let all = delivered()
        #expect(all.filter { seen.insert($0).inserted } == expected, "every row, as sent, in the order stored")
        let resent = try metric("vigil_otlp_resent_items_total")
        #expect(resent >= 1, "the batch being retried at the kill went again, counted")
        #expect(all.count - expected.count <= Int(resent) && resent <= Double(Self.batch))
        #expect(receiver.errors.isEmpty, "\(receiver.errors)")
    }
}
