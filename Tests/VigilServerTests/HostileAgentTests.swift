import Foundation
import Testing
import VigilServer
import VigilSystem
import VigilWire
import VigilTestSupport

/// Agents that misbehave, on purpose or not: each is refused cleanly, the server stays
/// healthy, and the hosts that behave are not affected.
@Suite(.ownThread) struct HostileAgentTests {
    @Test func anEnrollFloodIsLimitedPerSourceWhileEnrolledHostsCarryOn() async throws {
        try await TestServer.with(.sqlite, { $0.options.enrollRate = EnrollRate(perSecond: 0.01, burst: 5) }) { server in
            let enrolled = try await server.enrollOsquery("steady")   // 1 of 5 tokens
            // Guessing the secret costs ten tokens a try: the second guess is already over.
            let guess = try await server.request(OsqueryPaths.enroll, json: #"{"enroll_secret":"guess-1","host_identifier":"flood"}"#)
            #expect(guess.status == 401)
            var limited = 0
            for i in 2...50 {
                let r = try await server.request(OsqueryPaths.enroll, json: #"{"enroll_secret":"guess-\#(i)","host_identifier":"flood"}"#)
                #expect(r.status == 429 || r.status == 401)
                if r.status == 429 {
                    limited += 1
                    #expect(r.json?["node_invalid"] == .bool(true))
                    #expect(Int(r.headers["Retry-After"] ?? "") ?? 0 >= 1, "429 says when to come back")
                }
            }
            #expect(limited == 49, "every attempt after the first refused secret waits")
            // Even the right secret waits now, from this source.
            let right = try await server.request(OsqueryPaths.enroll, json: #"{"enroll_secret":"\#(server.enrollSecret)","host_identifier":"late"}"#)
            #expect(right.status == 429)
            // A host that already holds its key is not limited.
            #expect(try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(enrolled)"}"#).status == 200)
            #expect(try await server.request("/healthz", method: .GET).status == 200)
            // Another source address has its own budget (127.0.0.2 reaches the server on loopback).
            let other = try await curl(server, from: "127.0.0.2", path: OsqueryPaths.enroll,
                                       json: #"{"enroll_secret":"\#(server.enrollSecret)","host_identifier":"neighbour"}"#)
            #expect(other.status == 200, "\(other.body)")
            #expect(other.body.contains("node_key"))
            // The metrics count what was limited.
            let token = try await server.adminToken()
            let metrics = try await server.request("/metrics", method: .GET, token: token).text
            #expect(metrics.contains(#"vigil_enrollments_total{result="rate_limited"} 50"#))
        }
    }

    @Test func oversizedDeeplyNestedAndMistypedBodiesAreRefusedAndNothingElseIsHurt() async throws {
        try await TestServer.with(.sqlite) { server in
            let key = try await server.enrollOsquery("victim")
            // Over the 8 MiB limit: refused before it is read whole.
            let big = #"{"node_key":"\#(key)","log_type":"result","data":[""# + String(repeating: "a", count: 9 << 20) + #""]}"#
            #expect(try await server.request(OsqueryPaths.log, json: big).status == 413)
            // 100,000 nested arrays: refused at the scanner's depth limit, no stack overflow.
            let deep = #"{"node_key":"\#(key)","log_type":"result","data":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
            #expect(try await server.request(OsqueryPaths.log, json: deep).status == 400)
            let deepRead = #"{"node_key":"# + String(repeating: "[", count: 100_000) + "}"
            #expect(try await server.request(OsqueryPaths.distributedRead, json: deepRead).status == 400)
            // Wrong types where the protocol has strings, maps and arrays. (A string where
            // rows belong is osquery's own way of saying "no rows", so it is accepted.)
            for body in [#"{"node_key":42}"#, #"{"node_key":"\#(key)","queries":5}"#, #"{"node_key":"\#(key)","queries":{"1":[]},"messages":{"1":5}}"#, "[]", "null", "{"] {
                let r = try await server.request(OsqueryPaths.distributedWrite, json: body)
                #expect(r.status == 400, "\(body): \(r.status) \(r.text)")
            }
            let mistypedLog = try await server.request(OsqueryPaths.log, json: #"{"node_key":"\#(key)","log_type":"result","data":{"a":1}}"#)
            #expect(mistypedLog.status == 400)
            // The server is healthy and the host's next, well-formed results are stored.
            #expect(try await server.request("/healthz", method: .GET).status == 200)
            let line = #"{"name":"pack/x","hostIdentifier":"victim","calendarTime":"now","unixTime":1796515200,"action":"added","columns":{"a":"1"}}"#
            let ok = try await server.request(OsqueryPaths.log, json: #"{"node_key":"\#(key)","log_type":"result","data":[\#(line)]}"#)
            #expect(ok.status == 200)
            #expect(ok.json?["node_invalid"] == nil)
        }
    }

    @Test func anAnswerFarOverTheRowLimitIsCutAndMarked() async throws {
        // A million rows (4 MB, under the body limit) against a limit of 1,000: the rows past the limit
        // are only scanned, and the first 1,000 are stored as sent.
        try await TestServer.with(.sqlite, { $0.options.maxRowsPerAnswer = 1000 }) { server in
            try await sendAMillionRows(server)
        }
    }

    func sendAMillionRows(_ server: TestServer) async throws {
        let key = try await server.enrollOsquery("loud")
        let token = try await server.adminToken()
        let run = try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 1","host_identifiers":["loud"]}"#, token: token)
        let id = try #require(run.json?["campaign_id"]?.text)
        _ = try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(key)"}"#)
        let rows = ((0..<2000).map { #"{"n":"\#($0)"}"# } + Array(repeating: "{}", count: 998_000)).joined(separator: ",")
        let write = try await server.request(OsqueryPaths.distributedWrite, json: #"{"node_key":"\#(key)","queries":{"\#(id)":[\#(rows)]},"statuses":{"\#(id)":0}}"#)
        #expect(write.status == 200, "\(write.text)")
        let state = try await server.request("/api/v1/queries/run/\(id)?max_rows=5000", method: .GET, token: token)
        let target = try #require(state.json?["targets"]?.array?.first)
        #expect(target["rows"] == .integer(1000))
        #expect(target["error"] == "answer cut at 1000 rows")
        // The kept rows are the first thousand, in order, as sent.
        let kept = state.json?["rows"]?.array?.compactMap { $0["n"]?.string } ?? []
        #expect(kept == (0..<1000).map { String($0) }, "\(kept.count) rows: \(kept.prefix(3)) … \(kept.suffix(3))")
        #expect(try await server.request("/healthz", method: .GET).status == 200)
    }

    @Test func guessedNodeKeysFindNothingAndAreCounted() async throws {
        try await TestServer.with(.sqlite) { server in
            let real = try await server.enrollOsquery("real")
            for _ in 0..<200 {
                let guess = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
                let r = try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(guess)"}"#)
                #expect(r.status == 401 && r.json?["node_invalid"] == .bool(true))
            }
            // A guess that shares the real key's prefix is no closer.
            let near = String(real.dropLast()) + (real.last == "0" ? "1" : "0")
            #expect(try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(near)"}"#).status == 401)
            #expect(try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(real)"}"#).status == 200)
        }
    }

    /// curl from a chosen local address, off the server's executor (a blocking wait there
    /// would stall the server the test talks to).
    func curl(_ server: TestServer, from address: String, path: String, json: String) async throws -> (status: Int, body: String) {
        let args = ["curl", "-s", "--interface", address, "--cacert", server.dir + "/tls/ca.pem", "-o", "-", "-w", "\n%{http_code}",
                    "-H", "Content-Type: application/json", "--data-binary", json, server.url + path]
        let output: String = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let p = Process(), pipe = Pipe()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = args
                p.standardOutput = pipe
                do { try p.run() } catch { continuation.resume(returning: "\n0"); return }
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }
}
