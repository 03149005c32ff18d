import Foundation
import Testing
import VigilTestSupport
import VigilWire

/// `vigil server --otlp-endpoint` with a real agent: its scheduled results, its telemetry
/// and a profile of itself (the eBPF profiler's) reach an OTLP/HTTP receiver that decodes
/// them with opentelemetry-proto, equal to what the server stored.
@Suite(.ownThread, .serialized, .enabled(if: OTLPReceiver.available, "needs opentelemetry-proto (scripts/bootstrap)"))
struct FleetOTLPTests {
    @Test func aRealAgentsResultsTelemetryAndSelfProfileReachTheCollector() throws {
        let receiver = try OTLPReceiver()
        defer { receiver.stop() }
        let server = try RunningServer(arguments: "--otlp-endpoint \(receiver.endpoint) --otlp-interval 1")
        let token = try server.adminToken()
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{"tick":{"query":"SELECT 1 AS one, 'two' AS two","interval":1,"snapshot":true}}}"#, token: token)
        let agent = try RunningAgent(config: FleetTests.quietConfig, flags: server.agentFlags(["--vigil_telemetry_interval=2"]))
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log)")
        let host = try #require(try server.hosts(token).first)
        let id = try #require(host["id"] as? Int)
        // At 999 Hz: the agent is mostly asleep (a 1-second query costs it a millisecond
        // or two), and at 99 Hz a 2-second profile of it once held no sample (a CI run).
        let asked = try server.api("/api/v1/hosts/\(id)/profiles", method: "POST", body: #"{"seconds":3,"frequency":999}"#, token: token) as? [String: Any]
        let profile = try #require(asked?["profile_id"] as? Int, "\(String(describing: asked))")

        func records() -> [JSONValue] {
            OTLPJSON.children(OTLPJSON.children(receiver.messages("/v1/logs").flatMap { $0["resource_logs"]?.array ?? [] }, "scope_logs"), "log_records")
        }
        func cpuPoints() -> [JSONValue] {
            let resources = receiver.messages("/v1/metrics").flatMap { $0["resource_metrics"]?.array ?? [] }
                .filter { OTLPJSON.attributes($0["resource"]?["attributes"])["service.name"] == "vigil" }
            let metrics = OTLPJSON.children(OTLPJSON.children(resources, "scope_metrics"), "metrics").filter { $0["name"]?.string == "vigil.agent.cpu.usage" }
            return metrics.flatMap { $0["gauge"]?["data_points"]?.array ?? [] }
        }
        let arrived = server.wait(60) {
            records().filter { OTLPJSON.attributes($0["attributes"])["vigil.query.name"] == "tick" }.count >= 3
                && cpuPoints().count >= 2 && !receiver.messages("/v1development/profiles").isEmpty
        }
        #expect(arrived, "\(receiver.requests.count) requests \(receiver.stderr); agent: \(agent.log.suffix(2000))")
        #expect(receiver.errors.isEmpty, "\(receiver.errors)")

        // Results: each exported row is a row of a line the server stored, at its time.
        // What was exported is read first: the server stores a line before it exports it,
        // and the agent goes on sending, so a later read of the store holds all of it.
        let exported = records().filter { OTLPJSON.attributes($0["attributes"])["vigil.query.name"] == "tick" }.map { r -> String in
            let body = OTLPJSON.value(r["body"])
            return "\((OTLPJSON.uint(r["time_unix_nano"]) ?? 0) / 1_000_000_000) \(body["one"]?.text ?? "") \(body["two"]?.text ?? "")"
        }
        let stored = ((try server.api("/api/v1/results?name=tick&per_page=1000", token: token) as? [String: Any])?["results"] as? [[String: Any]]) ?? []
        var storedRows: Set<String> = []
        for line in stored {
            for row in line["snapshot"] as? [[String: Any]] ?? [] { storedRows.insert("\(line["unixTime"] ?? "") \(row["one"] ?? "") \(row["two"] ?? "")") }
        }
        #expect(exported.count >= 3)
        #expect(Set(exported).isSubset(of: storedRows), "exported \(exported) stored \(storedRows)")
        #expect(exported.allSatisfy { $0.hasSuffix(" 1 two") }, "\(exported)")

        // Telemetry: each exported CPU point is a point the server stored, value for value.
        // Read with the same decoder as the receiver's lines (JSONSerialization's doubles can be an ulp off).
        let telemetry = try CLI.run(["-sS", "--fail", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)", server.url + "/api/v1/hosts/\(id)/telemetry"],
                                    executable: "/usr/bin/curl")
        let points = (try WireCoding.decode(JSONValue.self, from: Data(telemetry.stdout.utf8)))["points"]?.array ?? []
        var storedCPU: [Int: Double] = [:]
        for p in points { if let t = Int(p["time"]?.text ?? "") { storedCPU[t] = Double(p["cpu_percent"]?.text ?? "") } }
        #expect(!storedCPU.isEmpty)
        for point in cpuPoints() {
            let time = Int((OTLPJSON.uint(point["time_unix_nano"]) ?? 0) / 1_000_000_000)
            #expect(storedCPU[time] == Double(point["as_double"]?.text ?? ""), "point at \(time): stored \(String(describing: storedCPU[time])), exported \(point)")
        }

        // The profile: its samples, in OTLP, add up to what the server's folded stacks say.
        let folded = try CLI.run(["-sS", "--fail", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)", server.url + "/api/v1/profiles/\(profile)/folded"],
                                 executable: "/usr/bin/curl")
        let total = folded.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Int64($0) } }.reduce(0, +)
        let request = try #require(receiver.messages("/v1development/profiles").first)
        let strings = (request["dictionary"]?["string_table"]?.array ?? []).map(\.text)
        let profiles = OTLPJSON.children(OTLPJSON.children(request["resource_profiles"]?.array ?? [], "scope_profiles"), "profiles")
        let samples = try #require(profiles.first { strings[Int($0["sample_type"]?["type_strindex"]?.text ?? "0") ?? 0] == "samples" })
        let exportedTotal = (samples["samples"]?.array ?? []).compactMap { OTLPJSON.int($0["values"]?[0]) }.reduce(0, +)
        #expect(total > 0)
        #expect(exportedTotal == total, "OTLP \(exportedTotal) samples, folded \(total)")
        #expect(OTLPJSON.attributes(request["resource_profiles"]?[0]?["resource"]?["attributes"])["host.name"] == .string(host["hostname"] as? String ?? "?"))
    }
}
