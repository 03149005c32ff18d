import Foundation
import Testing
import VigilTestSupport

/// "Profile the server for 30 s": a real `vigil server` runs Vigil's profiler on itself
/// while requests keep it busy, stores the pprof under its own name, and draws it (and the
/// difference between two of them) as flame graphs.
@Suite(.ownThread, .serialized) struct ServerProfileTests {
    @Test(.requiresRoot) func theServerProfilesItselfUnderLoadAndComparesTwoProfiles() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        // Requests keep the server's event loops busy: each is a new TLS connection (curl).
        let busy = LockedFlag()
        let request = ["-sS", "-o", "/dev/null", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)", server.url + "/api/v1/hosts"]
        let load = Thread {
            while !busy.isSet { _ = try? CLI.run(request, executable: "/usr/bin/curl") }
        }
        load.start()
        defer { busy.set() }

        func profile() throws -> [String: Any] {
            let asked = try server.api("/api/v1/server/profiles", method: "POST", body: #"{"seconds":3,"frequency":499}"#, token: token) as? [String: Any]
            let id = try #require(asked?["profile_id"] as? Int, "\(String(describing: asked))")
            // One at a time: a second request while it runs is refused with the reason.
            let again = try CLI.run(["-sS", "-o", "/dev/stdout", "-w", "\n%{http_code}", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)",
                                     "-X", "POST", server.url + "/api/v1/server/profiles"], executable: "/usr/bin/curl")
            #expect(again.stdout.hasSuffix("409") && again.stdout.contains("still being taken"), "\(again.stdout)")
            var record: [String: Any] = [:]
            #expect(server.wait(30) {
                let list = (try server.api("/api/v1/server/profiles", token: token) as? [String: Any])?["profiles"] as? [[String: Any]] ?? []
                record = list.first { $0["id"] as? Int == id } ?? [:]
                return record["state"] as? String == "done" || record["state"] as? String == "failed"
            }, "\(record); \(server.log.suffix(2000))")
            #expect(record["state"] as? String == "done", "\(record)")
            #expect((record["server"] as? String)?.hasSuffix(":\(server.port)") == true, "\(record)")
            #expect((record["samples"] as? Int ?? 0) > 0, "\(record)")
            return record
        }
        let first = try profile()
        let second = try profile()
        busy.set()
        let a = try #require(first["id"] as? Int), b = try #require(second["id"] as? Int)

        // The pprof is the server's own: go tool pprof reads it, and its stacks are in SwiftNIO
        // (the server's event loops) and in the code that answers API requests.
        let path = server.dir + "/server.pb.gz"
        let download = try CLI.run(["-sS", "--fail", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)", "-o", path,
                                    server.url + "/api/v1/profiles/\(b)/pprof"], executable: "/usr/bin/curl")
        #expect(download.status == 0, "\(download.stderr)")
        let go = try #require(["/usr/bin/go", "/usr/lib/go/bin/go"].first { FileManager.default.isExecutableFile(atPath: $0) }, "go is installed by scripts/bootstrap")
        let top = try CLI.run(["tool", "pprof", "-top", path], executable: go)
        #expect(top.status == 0 && top.stdout.contains("Type: cpu"), "\(top.stderr)")
        let folded = try CLI.run(["-sS", "--fail", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)", server.url + "/api/v1/profiles/\(b)/folded"],
                                 executable: "/usr/bin/curl")
        let stacks = folded.stdout.split(separator: "\n")
        #expect(stacks.contains { $0.contains("NIO") }, "no SwiftNIO frame in \(stacks.count) stacks: \(folded.stdout.prefix(1500))")
        #expect(stacks.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +) == second["samples"] as? Int)

        // The differential flame graph: every frame of the second profile coloured by its change.
        let diff = try CLI.run(["-sS", "--fail", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)",
                                server.url + "/api/v1/profiles/\(b)/svg?baseline=\(a)"], executable: "/usr/bin/curl")
        #expect(diff.status == 0 && diff.stdout.contains("</svg>"), "\(diff.stderr)")
        #expect(diff.stdout.contains("profile \(b) against \(a)"))
        let changes = diff.stdout.components(separatedBy: "<title>").dropFirst().filter { $0.contains(" points)") }
        #expect(changes.count == diff.stdout.components(separatedBy: "<g class=\"f\"").count - 1, "a frame without its change")
        #expect(diff.stdout.contains("fill=\"rgb(250,") || diff.stdout.contains(",250)\""), "no frame coloured by a change")
        let unknown = try CLI.run(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", server.ca, "-H", "Authorization: Bearer \(token)",
                                   server.url + "/api/v1/profiles/\(b)/svg?baseline=999999"], executable: "/usr/bin/curl")
        #expect(unknown.stdout == "404")
        // The profiler's files are gone from the data directory.
        let left = try FileManager.default.contentsOfDirectory(atPath: server.dir).filter { $0.hasPrefix("server-profile-") }
        #expect(left.isEmpty, "\(left)")
    }
}

/// A flag one thread sets and another reads.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
