import Foundation
import SwiftProtobuf
import Testing
import VigilProfileFormats
import VigilServer
import VigilServerStore
import VigilSystem
import VigilTestSupport
import VigilWire

/// The OpenTelemetry export, against an OTLP/HTTP receiver that decodes with
/// opentelemetry-proto's own classes (scripts/otlp-receiver.py): what hosts send arrives
/// as the logs, metrics and profiles it should be, through retries; and a collector that
/// is away never holds the agents, its backlog of lines waits in the store (no memory
/// queue), and what is dropped is counted.
@Suite(.ownThread, .serialized, .enabled(if: OTLPReceiver.available, "needs opentelemetry-proto (scripts/bootstrap)"))
struct OTLPExportTests {
    /// Waits (without holding the server's executor) until `condition` holds.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if (try? await condition()) == true { return true }
            await DispatchPause.seconds(0.2)
        }
        return (try? await condition()) == true
    }

    /// The value of one Prometheus sample in the server's /metrics, 0 when absent.
    static func metric(_ server: TestServer, _ token: String, _ series: String) async throws -> Double {
        let text = try await server.request("/metrics", method: .GET, token: token).text
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") { return Double(line.split(separator: " ").last ?? "") ?? 0 }
        return 0
    }

    /// A pprof as the agent's writer makes one: two sample types, a mapping, addresses,
    /// and the pid and thread name as labels; stacks given root first.
    static func pprof(_ stacks: [(frames: [String], comm: String, pid: Int64, samples: Int64)]) throws -> [UInt8] {
        var p = Perftools_Profiles_Profile()
        func valueType(_ type: String, _ unit: String) -> Perftools_Profiles_ValueType {
            var v = Perftools_Profiles_ValueType()
            v.type = p.string(type)
            v.unit = p.string(unit)
            return v
        }
        p.sampleType = [valueType("samples", "count"), valueType("cpu", "nanoseconds")]
        p.periodType = valueType("cpu", "nanoseconds")
        p.period = 10_101_010
        p.timeNanos = 1_700_000_000_000_000_000
        p.durationNanos = 30_000_000_000
        var mapping = Perftools_Profiles_Mapping()
        mapping.id = 1
        mapping.memoryStart = 0x400000
        mapping.memoryLimit = 0x800000
        mapping.filename = p.string("/usr/bin/vigil")
        p.mapping = [mapping]
        for stack in stacks {
            var sample = Perftools_Profiles_Sample()
            sample.locationID = stack.frames.reversed().map { p.location($0, file: "Sources/\($0).swift", mapping: mapping) }
            sample.value = [stack.samples, stack.samples * p.period]
            var comm = Perftools_Profiles_Label()
            comm.key = p.string("comm")
            comm.str = p.string(stack.comm)
            var pid = Perftools_Profiles_Label()
            pid.key = p.string("pid")
            pid.num = stack.pid
            sample.label = [pid, comm]
            p.sample.append(sample)
        }
        return try Gzip.compress(try p.serializedBytes())
    }

    @Test func resultsTelemetryAndProfilesArriveDecodedThroughRetries() async throws {
        // The first request of each signal is answered 503: what arrives came through a retry.
        let receiver = try OTLPReceiver(fail: 1)
        defer { receiver.stop() }
        try await TestServer.with(.sqlite, { c in
            var otlp = try! OTLPExportConfiguration(endpoint: receiver.endpoint + "/")
            try! otlp.addHeader("X-Tenant=vigil-test")
            otlp.fleetMetricsSeconds = 1
            c.options.otlp = otlp
        }) { server in
            let key = try await server.enrollOsquery("otlp-host")
            let token = try await server.adminToken()

            // Results: an event, a snapshot of two rows, a batched diff; and a status line.
            let event = #"{"name":"pack_ports","action":"added","unixTime":1700000001,"calendarTime":"Tue Nov 14 22:13:21 2023 UTC","epoch":0,"counter":3,"columns":{"port":"22","address":"0.0.0.0"},"decorations":{"team":"blue"}}"#
            let snapshot = #"{"name":"os","action":"snapshot","unixTime":1700000002,"snapshot":[{"name":"Debian","version":"12"},{"name":"Ubuntu","version":"24.04"}]}"#
            let diff = #"{"name":"users","unixTime":1700000003,"diffResults":{"added":[{"user":"alice"}],"removed":[{"user":"bob"}]}}"#
            let reply = try await server.request(OsqueryPaths.log, json: #"{"node_key":"\#(key)","log_type":"result","data":[\#(event),\#(snapshot),\#(diff)]}"#)
            #expect(reply.status == 200)
            let status = #"{"severity":2,"filename":"scheduler.cpp","line":"83","message":"query failed: no such table","unixTime":1700000004}"#
            #expect(try await server.request(OsqueryPaths.log, json: #"{"node_key":"\#(key)","log_type":"status","data":[\#(status)]}"#).status == 200)

            // A live query's answer: two rows.
            let run = try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 42 AS answer","host_identifiers":["otlp-host"]}"#, token: token)
            let campaign = try #require(run.json?["campaign_id"]?.text)
            _ = try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(key)"}"#)
            let answer = #"{"node_key":"\#(key)","queries":{"\#(campaign)":[{"answer":"42"},{"answer":"43"}]},"statuses":{"\#(campaign)":0}}"#
            #expect(try await server.request(OsqueryPaths.distributedWrite, json: answer).status == 200)

            // Telemetry: two points.
            let telemetry = #"{"node_key":"\#(key)","tables":{"vigil_telemetry":[{"time":"1700000010","cpu_percent":"1.25","resident_size":"41943040","threads":"7","queries_run":"12"},{"time":"1700000020","cpu_percent":"0.5","resident_size":"42991616","threads":"8","queries_run":"15"}]}}"#
            #expect(try await server.request(VigilPaths.telemetry, json: telemetry).status == 200)

            // A continuous profile.
            let stacks: [(frames: [String], comm: String, pid: Int64, samples: Int64)] = [
                (["main", "Scheduler.run", "sqlite3_step"], "vigil-worker", 4242, 60), (["main", "Reporter.send"], "vigil-report", 4243, 40),
            ]
            let pprof = try Self.pprof(stacks)
            let upload = try WireCoding.encodeString(ProfileUpload(nodeKey: key, id: 0, pprof: Data(pprof).base64EncodedString(), seconds: 30, continuous: true))
            #expect(try await server.request(VigilPaths.profile, json: upload).status == 200)

            // 300 s: in two full runs of this stop every in-process server in the test
            // process stood still for 131 and 137 s together (no server logged a line; a
            // server's start waited as well) while the suite's synchronous tests ran, and
            // this test's retries came through right after. Not yet explained; a server
            // alone retries after the Retry-After second (FleetOTLPTests, a real vigil server).
            let arrived = await Self.eventually(300) {
                let logs = receiver.messages("/v1/logs").flatMap { ($0["resource_logs"]?.array ?? []) }
                let records = logs.flatMap { $0["scope_logs"]?.array ?? [] }.flatMap { $0["log_records"]?.array ?? [] }
                let metrics = receiver.messages("/v1/metrics").flatMap { $0["resource_metrics"]?.array ?? [] }
                let fromHost = metrics.contains { OTLPJSON.attributes($0["resource"]?["attributes"])["host.name"] == "otlp-host" }
                return records.count >= 8 && fromHost && !receiver.messages("/v1development/profiles").isEmpty
            }
            #expect(arrived, "not all arrived: \(receiver.requests.map { $0["path"]?.text ?? "" }) \(receiver.stderr)")
            #expect(receiver.errors.isEmpty, "the receiver could not decode: \(receiver.errors)")
            let hostID = try #require(try await server.fleet.store.hostIDs(identifiers: ["otlp-host"]).first)
            let host = try #require(try await server.fleet.store.host(id: hostID))

            // Logs: one record per row, the rows exactly as sent, under the host's resource.
            let resourceLogs = receiver.messages("/v1/logs").flatMap { $0["resource_logs"]?.array ?? [] }
            for r in resourceLogs {
                let resource = OTLPJSON.attributes(r["resource"]?["attributes"])
                #expect(resource["host.name"] == "otlp-host")
                #expect(resource["host.id"] == "U-otlp-host")
                #expect(resource["service.name"] == "osquery")
                #expect(resource["vigil.host.identifier"] == "otlp-host")
                #expect(resource["vigil.host.id"] == .integer(host.id))
                #expect(r["scope_logs"]?[0]?["scope"]?["name"] == "vigil.server")
            }
            let records = resourceLogs.flatMap { $0["scope_logs"]?.array ?? [] }.flatMap { $0["log_records"]?.array ?? [] }
            let results = records.filter { $0["event_name"] == "vigil.query.result" }.map { r in
                (attributes: OTLPJSON.attributes(r["attributes"]), body: OTLPJSON.value(r["body"]), time: OTLPJSON.uint(r["time_unix_nano"]))
            }
            func find(_ name: String, _ action: String) -> [(attributes: [String: JSONValue], body: JSONValue, time: UInt64?)] {
                results.filter { $0.attributes["vigil.query.name"] == .string(name) && $0.attributes["vigil.query.action"] == .string(action) }
            }
            let added = find("pack_ports", "added")
            #expect(added.count == 1)
            #expect(added.first?.body == .object(["port": "22", "address": "0.0.0.0"]))
            #expect(added.first?.time == 1_700_000_001_000_000_000)
            #expect(added.first?.attributes["vigil.query.counter"] == .integer(3))
            #expect(added.first?.attributes["vigil.decorations"] == .object(["team": "blue"]))
            #expect(Set(find("os", "snapshot").map(\.body)) == [.object(["name": "Debian", "version": "12"]), .object(["name": "Ubuntu", "version": "24.04"])])
            #expect(find("users", "added").map(\.body) == [.object(["user": "alice"])])
            #expect(find("users", "removed").map(\.body) == [.object(["user": "bob"])])
            #expect(results.count == 5)
            let answers = records.filter { $0["event_name"] == "vigil.live_query.result" }
            #expect(answers.map { OTLPJSON.value($0["body"]) } == [.object(["answer": "42"]), .object(["answer": "43"])])
            #expect(answers.allSatisfy { OTLPJSON.attributes($0["attributes"])["vigil.campaign.id"] == .integer(Int64(campaign) ?? -1) })
            let statuses = records.filter { $0["event_name"] == "vigil.status" }
            #expect(statuses.count == 1)
            #expect(OTLPJSON.value(statuses.first?["body"]) == "query failed: no such table")
            #expect(statuses.first?["severity_number"] == "SEVERITY_NUMBER_ERROR")
            #expect(OTLPJSON.attributes(statuses.first?["attributes"])["code.line.number"] == .integer(83))

            // Metrics: the telemetry the server stored, point for point.
            let stored = try await server.fleet.store.telemetry(hostID: host.id, since: 0)
            #expect(stored.count == 2)
            let resourceMetrics = receiver.messages("/v1/metrics").flatMap { $0["resource_metrics"]?.array ?? [] }
            let hostMetrics = resourceMetrics.filter { OTLPJSON.attributes($0["resource"]?["attributes"])["host.name"] == "otlp-host" }
            let metrics = hostMetrics.flatMap { $0["scope_metrics"]?.array ?? [] }.flatMap { $0["metrics"]?.array ?? [] }
            func points(_ name: String) -> [JSONValue] {
                metrics.filter { $0["name"]?.string == name }.flatMap { ($0["gauge"] ?? $0["sum"])?["data_points"]?.array ?? [] }
            }
            func doubles(_ name: String) -> [Double] { points(name).map { Double($0["as_double"]?.text ?? "") ?? .nan } }
            func ints(_ name: String, _ field: String = "as_int") -> [Int64] { points(name).map { OTLPJSON.int($0[field]) ?? -1 } }
            #expect(doubles("vigil.agent.cpu.usage") == stored.map(\.cpuPercent))
            #expect(ints("vigil.agent.cpu.usage", "time_unix_nano") == stored.map { $0.time * 1_000_000_000 })
            #expect(ints("process.memory.usage") == stored.map(\.residentBytes))
            #expect(ints("process.thread.count") == stored.map(\.threads))
            #expect(ints("vigil.agent.queries") == stored.map(\.queriesRun))
            #expect(metrics.first { $0["name"] == "vigil.agent.queries" }?["sum"]?["is_monotonic"] == .bool(true))
            #expect(metrics.first { $0["name"] == "process.memory.usage" }?["unit"] == "By")
            // The fleet's own: one host, online.
            let fleet = resourceMetrics.filter { OTLPJSON.attributes($0["resource"]?["attributes"])["service.name"] == "vigil-server" }
            let hosts = OTLPJSON.children(OTLPJSON.children(fleet, "scope_metrics"), "metrics").filter { $0["name"]?.string == "vigil.hosts" }
            // (Some snapshot: the host enrolled after the first, and on a slow run it may be
            // offline, 45 s silent, by the last.)
            let online = hosts.compactMap { h in
                h["gauge"]?["data_points"]?.array?.first { OTLPJSON.attributes($0["attributes"])["vigil.host.status"] == "online" }.flatMap { OTLPJSON.int($0["as_int"]) }
            }
            #expect(online.contains(1), "\(online)")

            // Profiles: one per sample type, the stacks and labels as uploaded.
            let request = try #require(receiver.messages("/v1development/profiles").first)
            let dictionary = try #require(request["dictionary"])
            let strings = (dictionary["string_table"]?.array ?? []).map { $0.text }
            #expect(strings.first == "")
            func table(_ name: String) -> [JSONValue] { dictionary[name]?.array ?? [] }
            func index(_ v: JSONValue?) -> Int { Int(v?.text ?? "0") ?? 0 }
            let resourceProfiles = try #require(request["resource_profiles"]?[0])
            #expect(OTLPJSON.attributes(resourceProfiles["resource"]?["attributes"])["host.name"] == "otlp-host")
            let profiles = resourceProfiles["scope_profiles"]?[0]?["profiles"]?.array ?? []
            #expect(profiles.map { strings[index($0["sample_type"]?["type_strindex"])] } == ["samples", "cpu"])
            for (p, profile) in profiles.enumerated() {
                #expect(OTLPJSON.int(profile["period"]) == 10_101_010)
                #expect(OTLPJSON.uint(profile["time_unix_nano"]) == 1_700_000_000_000_000_000)
                #expect(OTLPJSON.uint(profile["duration_nano"]) == 30_000_000_000)
                var got: [[String]: Int64] = [:]
                for sample in profile["samples"]?.array ?? [] {
                    let stack = table("stack_table")[index(sample["stack_index"])]
                    // Leaf first, as pprof: reversed to compare with the frames given root first.
                    let names = (stack["location_indices"]?.array ?? []).reversed().map { l -> String in
                        let location = table("location_table")[index(l)]
                        #expect(strings[index(table("mapping_table")[index(location["mapping_index"])]["filename_strindex"])] == "/usr/bin/vigil")
                        let function = table("function_table")[index(location["lines"]?[0]?["function_index"])]
                        return strings[index(function["name_strindex"])]
                    }
                    let labels = (sample["attribute_indices"]?.array ?? []).map { table("attribute_table")[index($0)] }
                    let comm = labels.first { strings[index($0["key_strindex"])] == "comm" }.map { OTLPJSON.value($0["value"]) }
                    let expected = stacks.first { $0.frames == names }
                    #expect(comm == expected.map { JSONValue.string($0.comm) })
                    got[names] = OTLPJSON.int(sample["values"]?[0])
                }
                #expect(got == Dictionary(uniqueKeysWithValues: stacks.map { ($0.frames, p == 0 ? $0.samples : $0.samples * 10_101_010) }))
            }

            // Headers as configured; each signal was retried once and then delivered.
            #expect(receiver.requests.allSatisfy { $0["headers"]?["x-tenant"] == nil || $0["headers"]?["x-tenant"] == "vigil-test" })
            #expect(receiver.requests.first { $0["headers"] != nil }?["headers"]?["content-encoding"] == "gzip")
            // Counted when the collector's answer is read, just after it has the items.
            let counted = await Self.eventually(30) {
                for signal in ["logs", "metrics", "profiles"] {
                    guard try await Self.metric(server, token, #"vigil_otlp_requests_total{signal="\#(signal)",outcome="delivered"}"#) >= 1 else { return false }
                }
                let logs = try await Self.metric(server, token, #"vigil_otlp_exported_items_total{signal="logs"}"#)
                let profiles = try await Self.metric(server, token, #"vigil_otlp_exported_items_total{signal="profiles"}"#)
                return logs >= 6 && profiles >= 1
            }
            #expect(counted, "each signal's delivery counted")
            for signal in ["logs", "metrics", "profiles"] {
                #expect(try await Self.metric(server, token, #"vigil_otlp_requests_total{signal="\#(signal)",outcome="retry"}"#) >= 1)
            }
            // Counted as stored: 4 lines and the answer's 2 rows.
            #expect(try await Self.metric(server, token, #"vigil_otlp_exported_items_total{signal="logs"}"#) == 6)
            #expect(try await Self.metric(server, token, #"vigil_otlp_exported_items_total{signal="profiles"}"#) == 1)
        }
    }

    /// Result lines of the query `q`, one for each number of `range`, which is its one column.
    static func lines(_ range: Range<Int>, unixTime: Int64 = 1_700_000_000) -> String {
        range.map { #"{"name":"q","action":"added","unixTime":\#(unixTime),"columns":{"i":"\#($0)"}}"# }.joined(separator: ",")
    }

    /// The column `i` of each log record the receiver took, in the order it took them.
    static func delivered(_ receiver: OTLPReceiver) -> [String] {
        OTLPJSON.children(OTLPJSON.children(receiver.messages("/v1/logs").flatMap { $0["resource_logs"]?.array ?? [] }, "scope_logs"), "log_records")
            .map { OTLPJSON.value($0["body"])["i"]?.text ?? "?" }
    }

    /// The column `i` of each stored line of `q`, in the order stored.
    static func stored(_ server: TestServer) async throws -> [String] {
        try await server.fleet.store.logs(kind: "result", name: "q", hostIdentifier: nil, limit: 100_000, offset: 0).map {
            (try? WireCoding.decode(JSONValue.self, from: Data($0.line.utf8)))?["columns"]?["i"]?.text ?? "?"
        }
    }

    /// Lines wait in the store, not in memory, while the collector is away: the agents are
    /// answered at once, nothing is dropped for want of room, and when the collector comes
    /// back every line arrives once, in the order stored. What retention deleted meanwhile
    /// before it was exported is counted.
    @Test(arguments: TestDatabase.all) func anAbsentCollectorHoldsNoAgentAndItsBacklogWaitsInTheStore(_ database: TestDatabase) async throws {
        let port = try TCPListener.freePort()
        try await TestServer.with(database, { c in
            var otlp = try! OTLPExportConfiguration(endpoint: "http://127.0.0.1:\(port)")
            otlp.fleetMetricsSeconds = 3600
            c.options.otlp = otlp
        }) { server in
            let key = try await server.enrollOsquery("otlp-down")
            let token = try await server.adminToken()
            func post(_ body: String) async throws -> Duration {
                let start = ContinuousClock.now
                let reply = try await server.request(OsqueryPaths.log, json: #"{"node_key":"\#(key)","log_type":"result","data":[\#(body)]}"#)
                #expect(reply.status == 200)
                return ContinuousClock.now - start
            }
            // 600 lines: the sender takes a first batch (at most 512) and retries it while nothing listens.
            #expect(try await post(Self.lines(0..<300)) < .seconds(5))
            #expect(try await post(Self.lines(300..<600)) < .seconds(5))
            #expect(await Self.eventually(60) {
                try await Self.metric(server, token, #"vigil_otlp_requests_total{signal="logs",outcome="retry"}"#) >= 1
            })
            // 100 lines from long ago, which retention deletes before the collector is back, then 50 more.
            #expect(try await post(Self.lines(600..<700, unixTime: 1000)) < .seconds(5))
            #expect(try await post(Self.lines(700..<750)) < .seconds(5))
            let start = ContinuousClock.now
            #expect(try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(key)"}"#).status == 200)
            #expect(try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)"}"#).status == 200)
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(try await server.fleet.store.pruneLogs(olderThan: 2000) == 100)
            #expect(try await Self.metric(server, token, #"vigil_otlp_dropped_items_total{signal="logs",reason="queue_full"}"#) == 0)

            // The collector comes up. It refuses two items of each request (OTLP's partial
            // success): counted, not resent.
            let receiver = try OTLPReceiver(port: port, reject: 2)
            defer { receiver.stop() }
            let expected = (0..<600).map(String.init) + (700..<750).map(String.init)
            #expect(await Self.eventually(120) { Self.delivered(receiver).count >= expected.count }, "\(receiver.requests.count) requests \(receiver.stderr)")
            #expect(Self.delivered(receiver) == expected)
            #expect(try await Self.stored(server) == expected)
            #expect(await Self.eventually(30) {
                try await Self.metric(server, token, #"vigil_otlp_dropped_items_total{signal="logs",reason="retention"}"#) == 100
            }, "the lines retention deleted before their export are counted")
            // The sender counts a request when it reads the answer, a moment after the
            // receiver has recorded it.
            #expect(await Self.eventually(30) {
                try await Self.metric(server, token, #"vigil_otlp_exported_items_total{signal="logs"}"#) == Double(expected.count)
            }, "every line exported")
            let logRequests = Double(receiver.messages("/v1/logs").count)
            #expect(try await Self.metric(server, token, #"vigil_otlp_dropped_items_total{signal="logs",reason="partially_rejected"}"#) == 2 * logRequests)
            #expect(try await Self.metric(server, token, #"vigil_otlp_resent_items_total{signal="logs"}"#) == 0)
            #expect(receiver.errors.isEmpty, "\(receiver.errors)")
        }
    }

    /// Profiles wait in the store too, not in memory: one uploaded while the collector is
    /// away reaches it after the server has stopped (which gives up what it is sending) and
    /// started again, under its host.
    @Test(arguments: TestDatabase.all) func aProfileUploadedWhileTheCollectorIsAwayArrivesAfterARestart(_ database: TestDatabase) async throws {
        let port = try TCPListener.freePort()
        func configure(_ c: inout FleetServerConfiguration) {
            var otlp = try! OTLPExportConfiguration(endpoint: "http://127.0.0.1:\(port)")
            otlp.fleetMetricsSeconds = 3600
            c.options.otlp = otlp
        }
        try await withTaskExecutorPreference(TestServer.executor) {
            let first = try await TestServer.start(database, configure)
            var second: TestServer?
            var failure: (any Error)?
            do {
                let key = try await first.enrollOsquery("otlp-profile")
                let pprof = try Self.pprof([(["main", "restart_survivor"], "vigil-worker", 77, 9)])
                let upload = try WireCoding.encodeString(ProfileUpload(nodeKey: key, id: 0, pprof: Data(pprof).base64EncodedString(), seconds: 30, continuous: true))
                #expect(try await first.request(VigilPaths.profile, json: upload).status == 200)
                let token = try await first.adminToken()
                #expect(await Self.eventually(60) {
                    try await Self.metric(first, token, #"vigil_otlp_requests_total{signal="profiles",outcome="retry"}"#) >= 1
                })
                await first.stop(removingFiles: false)

                let receiver = try OTLPReceiver(port: port)
                defer { receiver.stop() }
                second = try await TestServer.start(database, shared: first.fleet.configuration.postgres, directory: first.dir, configure)
                #expect(await Self.eventually(60) { !receiver.messages("/v1development/profiles").isEmpty }, "\(receiver.stderr)")
                let request = try #require(receiver.messages("/v1development/profiles").first)
                let strings = (request["dictionary"]?["string_table"]?.array ?? []).compactMap { $0.text }
                #expect(strings.contains("restart_survivor"))
                #expect(OTLPJSON.attributes(request["resource_profiles"]?[0]?["resource"]?["attributes"])["host.name"] == "otlp-profile")
                #expect(receiver.errors.isEmpty, "\(receiver.errors)")
            } catch {
                failure = error
            }
            await second?.stop()
            if second == nil { await first.stop() }
            if let failure { throw failure }
        }
    }

    /// Two servers on one PostgreSQL database: one exports (it holds the cursor's lease),
    /// and each line, whichever server stored it, reaches the collector once, in id order.
    @Test(.enabled(if: TestPostgres.available, "needs PostgreSQL")) func twoServersOnOneDatabaseExportEachLineOnce() async throws {
        let receiver = try OTLPReceiver()
        defer { receiver.stop() }
        try await withTaskExecutorPreference(TestServer.executor) {
            let url = try #require(try await TestDatabase.postgres.url())
            func configure(_ c: inout FleetServerConfiguration) {
                var otlp = try! OTLPExportConfiguration(endpoint: receiver.endpoint)
                otlp.fleetMetricsSeconds = 3600
                c.options.otlp = otlp
            }
            let first = try await TestServer.start(.postgres, shared: url, configure)
            let second = try await TestServer.start(.postgres, shared: url, configure)
            var failure: (any Error)?
            do {
                let key = try await first.enrollOsquery("otlp-shared")
                for (n, server) in [first, second, first, second].enumerated() {
                    let body = #"{"node_key":"\#(key)","log_type":"result","data":[\#(Self.lines(n * 200..<(n + 1) * 200))]}"#
                    #expect(try await server.request(OsqueryPaths.log, json: body).status == 200)
                }
                let expected = (0..<800).map(String.init)
                #expect(await Self.eventually(120) { Self.delivered(receiver).count >= expected.count }, "\(receiver.requests.count) requests \(receiver.stderr)")
                // A moment more: a second exporter's copies would arrive now.
                try await Task.sleep(for: .seconds(3))
                #expect(Self.delivered(receiver) == expected)
                #expect(try await Self.stored(first) == expected)
                // The password is the first start's; its token, in the database, works on both.
                let token = try await first.adminToken()
                let exported = [try await Self.metric(first, token, #"vigil_otlp_exported_items_total{signal="logs"}"#),
                                try await Self.metric(second, token, #"vigil_otlp_exported_items_total{signal="logs"}"#)]
                #expect(exported.sorted() == [0, 800], "one server exports: \(exported)")
            } catch {
                failure = error
            }
            // Both stopped whatever happened, then the failure, if any, reported.
            await second.stop()
            await first.stop()
            if let failure { throw failure }
        }
    }

    /// A request to an absent collector lasts up to its 10 s timeout (the client retries the
    /// connection meanwhile); stopping the server cancels it rather than waiting.
    @Test func anAbsentCollectorDoesNotHoldTheServersExit() async throws {
        let port = try TCPListener.freePort()
        try await withTaskExecutorPreference(TestServer.executor) {
            let server = try await TestServer.start(.sqlite) { c in c.options.otlp = try! OTLPExportConfiguration(endpoint: "http://127.0.0.1:\(port)") }
            let key = try await server.enrollOsquery("otlp-exit")
            let token = try await server.adminToken()
            _ = try await server.request(OsqueryPaths.log, json: #"{"node_key":"\#(key)","log_type":"result","data":[{"name":"q","columns":{"a":"1"}}]}"#)
            // One attempt has run its course; the next is under way (1 to 2 s of backoff, then up to 10 s).
            #expect(await Self.eventually(30) {
                try await Self.metric(server, token, #"vigil_otlp_requests_total{signal="logs",outcome="retry"}"#) >= 1
            })
            try await Task.sleep(for: .seconds(2))
            let start = ContinuousClock.now
            await server.stop()
            #expect(ContinuousClock.now - start < .seconds(6), "the server took \(ContinuousClock.now - start) to stop")
        }
    }
}
