import Foundation
import NIOHTTP1
import Testing
import VigilServer
import VigilTestSupport
import VigilWire

/// A server asked to profile itself when it cannot: no profiler at all (a server inside
/// another program), or a profiler that fails. Each says why, on both stores; the real
/// profiler is run by ServerProfileTests.
@Suite(.ownThread) struct ServerProfileRequestTests {
    @Test(arguments: TestDatabase.all)
    func aServerWithoutAProfilerRefusesWithTheReason(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            let token = try await server.adminToken()
            let reply = try await server.request("/api/v1/server/profiles", json: #"{"seconds":2}"#, token: token)
            #expect(reply.status == 400 && reply.text.contains("without Vigil's profiler"), "\(reply.text)")
            let list = try await server.request("/api/v1/server/profiles", method: .GET, token: token)
            #expect(list.json?["profiles"] == .array([]), "\(list.text)")
        }
    }

    @Test(arguments: TestDatabase.all)
    func aFailedProfilerLeavesAFailedProfileWithItsLastWords(_ database: TestDatabase) async throws {
        // Stands in for `vigil profile` where eBPF is refused: it prints its reason and fails.
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("fake-profiler-\(UUID().uuidString)").path
        // Written through a close-on-exec descriptor: a child another test forks meanwhile
        // must not hold it open for writing when the server runs it (ETXTBSY).
        let text = Array("#!/bin/sh\nsleep 3\necho 'vigil profile: loading the sampler: Operation not permitted' >&2\nexit 2\n".utf8)
        let fd = open(script, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        #expect(fd >= 0 && write(fd, text, text.count) == text.count)
        close(fd)
        defer { unlink(script) }
        try await TestServer.with(database, { $0.options.profilerExecutable = script }) { server in
            let token = try await server.adminToken()
            let observer = Secrets.newKey()
            try await server.fleet.store.addToken(hash: Secrets.hash(observer), role: .observer, name: "o", at: 0)
            #expect(try await server.request("/api/v1/server/profiles", json: "{}", token: observer).status == 403)
            #expect(try await server.request("/api/v1/server/profiles", json: #"{"seconds":0}"#, token: token).status == 400)
            let asked = try await server.request("/api/v1/server/profiles", json: "", token: token)
            let id = try #require(asked.json?["profile_id"], "\(asked.text)")
            #expect(try await server.request("/api/v1/server/profiles", json: "", token: token).status == 409)
            // Its event stream says each state as it changes and ends when the profile has.
            let stream = try await server.request("/api/v1/profiles/\(id.text)/stream", method: .GET, token: token)
            #expect(stream.headers["Content-Type"] == "text/event-stream", "\(stream.headers)")
            let states = stream.text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }
                .compactMap { try? WireCoding.decode(JSONValue.self, from: Data($0.dropFirst(6).utf8))["state"]?.string }
            #expect(states == ["sent", "failed"], "\(stream.text)")
            var record: JSONValue?
            for _ in 0..<50 {
                record = try await server.request("/api/v1/server/profiles", method: .GET, token: token).json?["profiles"]?.array?.first
                if record?["state"]?.string == "failed" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(record?["id"] == id)
            #expect(record?["state"]?.string == "failed")
            #expect(record?["error"]?.string == "the profiler exited with status 2: vigil profile: loading the sampler: Operation not permitted", "\(String(describing: record))")
            // Not a host's: no host lists it.
            #expect(try await server.request("/api/v1/profiles/\(id.text)/pprof", method: .GET, token: token).status == 404)
            // Done (failed), so another may start.
            #expect(try await server.request("/api/v1/server/profiles", json: "", token: token).status == 200)
        }
    }
}
