import Foundation
import Testing
import VigilServer
import VigilTestSupport
import VigilWire

/// The server's disk fills while an agent sends results: writes are refused with errors
/// the agent retries, the server stays up and answers what needs no disk, and when
/// there is room again everything arrives, once, in a database that is not corrupt.
@Suite(.ownThread, .serialized) struct ServerDiskFullTests {
    @Test(.requiresRoot) func aFullDiskRefusesWritesThenResumesWithNothingLostOrCorrupt() async throws {
        try requireRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-server-full-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await TestPostgres.offThread { () throws -> Void in
            let r = runToEnd(["/usr/bin/mount", "-t", "tmpfs", "-o", "size=8M,mode=0700", "tmpfs", dir])
            try #require(r.status == 0, "mount: \(r.output)")
        }
        defer { runToEnd(["/usr/bin/umount", dir]) }

        try await withTaskExecutorPreference(TestServer.executor) {
            let server = try await TestServer.start(.sqlite, directory: dir)
            let key = try await server.enrollOsquery("filler")
            func batch(_ n: Int) -> String {
                let lines = (0..<20).map { i in
                    #"{"name":"disk","hostIdentifier":"filler","calendarTime":"now","unixTime":1796515200,"action":"added","columns":{"n":"\#(n * 20 + i)","pad":"\#(String(repeating: "x", count: 2000))"}}"#
                }
                return #"{"node_key":"\#(key)","log_type":"result","data":[\#(lines.joined(separator: ","))]}"#
            }
            #expect(try await server.request(OsqueryPaths.log, json: batch(0)).status == 200)

            // Fill the file system: dd stops at ENOSPC.
            let filler = dir + "/filler"
            _ = try await TestPostgres.offThread { runToEnd(["/usr/bin/dd", "if=/dev/zero", "of=\(filler)", "bs=64k"]) }
            var fs = statvfs()
            #expect(statvfs(dir, &fs) == 0 && fs.f_bavail == 0)
            // Batches now fail with a server error (which agents retry), quickly.
            var refused: [Int: Int] = [:]
            for n in 1...10 {
                let began = Date()
                let r = try await server.request(OsqueryPaths.log, json: batch(n))
                #expect(Date().timeIntervalSince(began) < 10, "batch \(n) waited")
                if r.status != 200 { refused[n] = r.status }
            }
            #expect(!refused.isEmpty, "a full disk refused nothing")
            #expect(refused.values.allSatisfy { (500...599).contains($0) }, "\(refused)")
            // The server is up, and what needs no disk still works.
            #expect(try await server.request("/healthz", method: .GET).status == 200)
            #expect(try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(key)"}"#).status == 200)

            // Room again: the agent's retries are stored, and nothing twice.
            unlink(filler)
            for n in refused.keys.sorted() {
                let r = try await server.request(OsqueryPaths.log, json: batch(n))
                #expect(r.status == 200, "batch \(n) after the disk had room: \(r.status) \(r.text)")
            }
            let token = try await server.adminToken()
            let results = try await server.request("/api/v1/results?name=disk&per_page=1000", method: .GET, token: token)
            let ns = try #require(results.json?["results"]?.array).compactMap { $0["columns"]?["n"]?.string }.compactMap(Int.init)
            #expect(ns.sorted() == Array(0..<220), "every line of the 11 batches, once")
            await server.stop()
            // The database file is whole.
            let check = try await TestPostgres.offThread {
                runToEnd(["/usr/bin/python3", "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])", dir + "/server.db"])
            }
            #expect(check.output == "ok\n", "\(check.output)")
        }
    }
}
