import Foundation
import Testing
import VigilServer
import VigilWire
import VigilTestSupport

/// The server against requests shaped exactly as stock osqueryd's TLS plugins send
/// them, over real TLS with the CA the server made.
@Suite(.ownThread) struct OsqueryProtocolTests {
    @Test(arguments: TestDatabase.all) func enrollRefusesAWrongSecretAndGivesARandomKeyForTheRightOne(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            let refused = try await server.request(OsqueryPaths.enroll, json: #"{"enroll_secret":"wrong","host_identifier":"h1"}"#)
            #expect(refused.status == 401)
            #expect(refused.json?["node_invalid"] == .bool(true))
            #expect(refused.json?["node_key"] == nil)
            let a = try await server.enrollOsquery("h1")
            let b = try await server.enrollOsquery("h2")
            #expect(a.count == 64 && b.count == 64 && a != b)
            // Only the hash is stored: the key itself appears nowhere in the database.
            let db = try await server.storedBytes()
            #expect(db.range(of: Data(Secrets.hash(a).utf8)) != nil, "the hash is not where the key would be either")
            #expect(db.range(of: Data(a.utf8)) == nil)
        }
    }

    @Test(arguments: TestDatabase.all) func unknownNodeKeysGetNodeInvalidOnEveryEndpoint(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            for path in [OsqueryPaths.config, OsqueryPaths.distributedRead] {
                let r = try await server.request(path, json: #"{"node_key":"not-a-key"}"#)
                #expect(r.status == 401, "\(path)")
                #expect(r.json?["node_invalid"] == .bool(true), "\(path)")
            }
            let log = try await server.request(OsqueryPaths.log, json: #"{"node_key":"x","log_type":"status","data":[]}"#)
            #expect(log.json?["node_invalid"] == .bool(true))
            let write = try await server.request(OsqueryPaths.distributedWrite, json: #"{"node_key":"x","queries":{}}"#)
            #expect(write.json?["node_invalid"] == .bool(true))
            // A key that was valid stops working when the host is forgotten.
            let key = try await server.enrollOsquery("gone")
            let token = try await server.adminToken()
            let hosts = try await server.request("/api/v1/hosts", method: .GET, token: token)
            let id = try #require(hosts.json?["hosts"]?.array?.first?["id"])
            #expect(try await server.request("/api/v1/hosts/\(id.text)", method: .DELETE, token: token).status == 200)
            let after = try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)"}"#)
            #expect(after.json?["node_invalid"] == .bool(true))
        }
    }

    @Test(arguments: TestDatabase.all) func configIsServedAndAnUnchangedOneAnsweredByEtag(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            let key = try await server.enrollOsquery("h1")
            let first = try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)"}"#)
            #expect(first.status == 200)
            #expect(first.json?["schedule"]?.object?.isEmpty == false)
            let etag = Secrets.hash(first.text)
            let again = try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)","etag":"\#(etag)"}"#)
            #expect(again.json == .object(["etag": "ok"]))
            #expect(again.body.count < 20)
            // A new config is sent whole to an agent holding the old one.
            let token = try await server.adminToken()
            let put = try await server.request("/api/v1/config", method: .PUT, json: #"{"schedule":{"up":{"query":"SELECT 1","interval":60}}}"#, token: token)
            #expect(put.status == 200)
            let changed = try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)","etag":"\#(etag)"}"#)
            #expect(changed.json?["schedule"]?["up"]?["query"] == "SELECT 1")
        }
    }

    @Test(arguments: TestDatabase.all) func resultLinesAreStoredExactlyOnceAndUnderTheSendersIdentity(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            let key = try await server.enrollOsquery("web-1")
            _ = try await server.enrollOsquery("web-2")
            // web-1 claims to be web-2 in its lines: it is stored as web-1.
            let body = """
                {"node_key":"\(key)","log_type":"result","data":[\
                {"name":"pack_net_ports","hostIdentifier":"web-2","calendarTime":"Sun Dec  6 00:00:00 2026 UTC","unixTime":1796515200,"epoch":0,"counter":1,"numerics":false,"decorations":{},"columns":{"port":"22"},"action":"added"},\
                {"name":"pack_net_ports","hostIdentifier":"web-2","calendarTime":"Sun Dec  6 00:00:00 2026 UTC","unixTime":1796515200,"epoch":0,"counter":1,"numerics":false,"decorations":{},"columns":{"port":"80"},"action":"added"}]}
                """
            #expect(try await server.request(OsqueryPaths.log, json: body).status == 200)
            // osquery resends a batch it got no answer for: nothing is stored twice.
            #expect(try await server.request(OsqueryPaths.log, json: body).status == 200)
            let token = try await server.adminToken()
            let results = try await server.request("/api/v1/results?name=pack_net_ports", method: .GET, token: token)
            let lines = try #require(results.json?["results"]?.array)
            #expect(lines.count == 2)
            #expect(lines.compactMap { $0["columns"]?["port"]?.string } == ["22", "80"])
            #expect(lines.allSatisfy { $0["hostIdentifier"] == "web-1" })
            let log = try String(contentsOfFile: server.dir + "/results.log", encoding: .utf8)
            #expect(log.split(separator: "\n").count == 2)
        }
    }

    @Test func resultsLogRotatesBySizeAndKeepsItsNewestFiles() async throws {
        try await TestServer.with(.sqlite, { $0.options.resultsLogRotateBytes = 4096; $0.options.resultsLogKeep = 2 }) { server in
            let key = try await server.enrollOsquery("web-1")
            // Ten batches of about 1.5 KB: results.log rotates past 4 KB, and only two old files stay.
            for batch in 0..<10 {
                let line = #"{"name":"q","hostIdentifier":"web-1","calendarTime":"Sun Dec  6 00:00:00 2026 UTC","unixTime":1796515200,"epoch":0,"counter":\#(batch),"numerics":false,"decorations":{},"columns":{"pad":"\#(String(repeating: "x", count: 1300))"},"action":"added"}"#
                #expect(try await server.request(OsqueryPaths.log, json: #"{"node_key":"\#(key)","log_type":"result","data":[\#(line)]}"#).status == 200)
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: server.dir).filter { $0.hasPrefix("results.log") }.sorted()
            #expect(files == ["results.log", "results.log.1", "results.log.2"])
            var counters: [Int] = []
            for name in ["results.log.2", "results.log.1", "results.log"] {
                let text = try String(contentsOfFile: server.dir + "/" + name, encoding: .utf8)
                let size = try #require(FileManager.default.attributesOfItem(atPath: server.dir + "/" + name)[.size] as? Int)
                #expect(size <= 4096, "\(name) is \(size) bytes")
                for line in text.split(separator: "\n") {
                    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                    counters.append(try #require(object["counter"] as? Int))
                }
            }
            // The newest lines, in order, none split across files; the oldest were rotated away.
            #expect(counters == Array((10 - counters.count)..<10))
            #expect(counters.count >= 6)
        }
    }

    @Test(arguments: TestDatabase.all) func gzipBodiesAreInflatedWithinTheLimit(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            let key = try await server.enrollOsquery("h1")
            let json = #"{"node_key":"\#(key)","log_type":"status","data":[{"hostIdentifier":"h1","severity":"0","message":"hello","unixTime":"1796515200"}]}"#
            let gz = try gzip(json)
            var request = HTTPClientRequestBuilder(url: server.url + OsqueryPaths.log, body: gz, headers: [("Content-Encoding", "gzip")])
            let ok = try await request.send(server)
            #expect(ok.status == 200)
            // 20 MB of zeros compress to about 20 KB: refused by their inflated size.
            let bomb = try gzip(#"{"node_key":"\#(key)","log_type":"status","data":[""# + String(repeating: "0", count: 20 << 20) + #""]}"#)
            #expect(bomb.count < 100_000)
            request = HTTPClientRequestBuilder(url: server.url + OsqueryPaths.log, body: bomb, headers: [("Content-Encoding", "gzip")])
            let refused = try await request.send(server)
            #expect(refused.status == 400)
            #expect(refused.text.contains("inflates to more than"))
        }
    }

    func gzip(_ text: String) throws -> Data {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString)")
        try Data(text.utf8).write(to: dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-9", dir.path]
        try p.run()
        p.waitUntilExit()
        defer { try? FileManager.default.removeItem(atPath: dir.path + ".gz") }
        return try Data(contentsOf: URL(fileURLWithPath: dir.path + ".gz"))
    }
}
