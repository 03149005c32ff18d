import Foundation
import Testing
import VigilServer
import VigilTestSupport
import VigilWire

/// /metrics: the server's own figures in Prometheus's text format, behind a token, with
/// no host named in any series.
@Suite(.ownThread) struct MetricsTests {
    /// `name{labels} value` lines, by the text before the value.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }

    @Test(arguments: TestDatabase.all) func countsWhatTheServerDidWithoutNamingHosts(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            #expect(try await server.request("/metrics", method: .GET).status == 401, "a token is needed")
            let key = try await server.enrollOsquery("metrics-host-one")
            _ = try await server.enrollOsquery("metrics-host-two")
            let refused = try await server.request(OsqueryPaths.enroll, json: #"{"enroll_secret":"wrong","host_identifier":"metrics-host-three"}"#)
            #expect(refused.status == 401)
            let line = #"{"name":"q","hostIdentifier":"metrics-host-one","calendarTime":"Sun Dec  6 00:00:00 2026 UTC","unixTime":1796515200,"epoch":0,"counter":0,"numerics":false,"decorations":{},"columns":{"a":"1"},"action":"added"}"#
            let body = #"{"node_key":"\#(key)","log_type":"result","data":[\#(line),\#(line.replacingOccurrences(of: #""a":"1""#, with: #""a":"2""#))]}"#
            #expect(try await server.request(OsqueryPaths.log, json: body).status == 200)
            #expect(try await server.request(OsqueryPaths.log, json: body).status == 200, "a resend: two duplicates")
            let token = try await server.adminToken()
            #expect(try await server.request("/api/v1/hosts/1", method: .GET, token: token).status == 200)
            // Only routed requests are counted (a route is matched by its method too), so
            // methods a client makes up add no series.
            for made in ["BREW", "WHEN"] { _ = try await server.request("/nowhere", method: .RAW(value: made)) }

            let reply = try await server.request("/metrics", method: .GET, token: token)
            #expect(reply.status == 200)
            let text = reply.text
            let s = Self.samples(text)
            #expect(s[#"vigil_enrollments_total{result="accepted"}"#] == 2)
            #expect(s[#"vigil_enrollments_total{result="refused"}"#] == 1)
            #expect(s[#"vigil_log_lines_total{log_type="result",outcome="stored"}"#] == 2)
            #expect(s[#"vigil_log_lines_total{log_type="result",outcome="duplicate"}"#] == 2)
            #expect(s[#"vigil_hosts{status="online"}"#] == 2)
            #expect(s[#"vigil_hosts{status="offline"}"#] == 0)
            #expect(s[#"vigil_http_requests_total{route="/api/v1/osquery/log",method="POST",code="200"}"#] == 2)
            #expect(s[#"vigil_http_requests_total{route="/api/v1/osquery/enroll",method="POST",code="401"}"#] == 1)
            #expect((s[#"vigil_http_request_duration_seconds_count{route="/api/v1/osquery/log"}"#] ?? 0) == 2)
            #expect((s[#"vigil_database_operation_duration_seconds_count{operation="write"}"#] ?? 0) >= 4)
            #expect((s["vigil_process_resident_memory_bytes"] ?? 0) > 1_000_000)
            // Routes by their pattern, hosts by no name.
            #expect(text.contains(#"route="/api/v1/hosts/{id}""#) || text.contains(#"route="/api/v1/hosts/:id""#), "\(text)")
            #expect(!text.contains("/api/v1/hosts/1\""))
            #expect(!text.contains("metrics-host"))
            #expect(!text.contains("BREW") && !text.contains("WHEN"))
            // Every series is Vigil's.
            for name in s.keys { #expect(name.hasPrefix("vigil_"), "\(name)") }
            // promtool, Prometheus's own checker, finds nothing to say (it is in CI; skipped where missing).
            if let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: FileManager.default.isExecutableFile) {
                let checked = try await runOffThread(promtool, ["check", "metrics"], stdin: text)
                #expect(checked.status == 0 && checked.output.isEmpty, "promtool: \(checked.output)")
            } else {
                #expect(ProcessInfo.processInfo.environment["CI"] != "true", "promtool is missing (scripts/bootstrap installs prometheus)")
            }
        }
    }

    /// Runs a program off the cooperative pool with `stdin`; its status and its output (stdout and stderr).
    func runOffThread(_ path: String, _ arguments: [String], stdin: String) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: path)
                    process.arguments = arguments
                    let input = Pipe(), output = Pipe()
                    process.standardInput = input
                    process.standardOutput = output
                    process.standardError = output
                    try process.run()
                    input.fileHandleForWriting.write(Data(stdin.utf8))
                    try input.fileHandleForWriting.close()
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
