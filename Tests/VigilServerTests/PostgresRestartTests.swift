import Foundation
import Synchronization
import Testing
import VigilServer
import VigilServerStore
import VigilSystem
import VigilTestSupport
import VigilWire

/// PostgreSQL restarted while an agent sends results: the server answers errors while
/// the database is gone (it does not hang), reconnects by itself, and the agent's
/// retries deliver every line exactly once.
@Suite(.ownThread) struct PostgresRestartTests {
    @Test(.enabled(if: TestPostgres.available, "PostgreSQL is not installed"))
    func aRestartUnderLoadLosesNothingAndNothingHangs() async throws {
        let cluster = try await TestPostgres.offThread { try TestPostgres.Cluster.create() }
        defer { cluster.destroy() }
        _ = try await TestPostgres.offThread { try cluster.psql("CREATE DATABASE vigil") }
        let url = try PostgresURL(cluster.url(database: "vigil"))
        let server = try await withTaskExecutorPreference(TestServer.executor) {
            try await TestServer.start(.postgres, shared: url) { $0.options.databaseTimeoutSeconds = 2 }
        }
        try await withTaskExecutorPreference(TestServer.executor) {
            let key = try await server.enrollOsquery("busy")
            let perBatch = 5
            var errors: [Int] = [], slowest = 0.0, batches = 0
            let restarted = Mutex(false), refused = Mutex(false)
            let deadline = Date().addingTimeInterval(90)
            // The restart runs on a thread of its own while the batches go on. The database
            // stays down for at least 3 s and until the agent has been answered an error
            // (bounded): on a loaded machine one slow request could otherwise span the
            // whole outage and the test would not see it.
            async let restart: Void = TestPostgres.offThread {
                try cluster.stop(mode: "fast")
                usleep(3_000_000)
                let until = Date().addingTimeInterval(30)
                while !refused.withLock({ $0 }) && Date() < until { usleep(100_000) }
                try cluster.start()
                restarted.withLock { $0 = true }
            }
            // At least 40 batches, and on until the database is back: some are sent during
            // the outage however slowly this test is scheduled. Pauses are dispatch timers
            // (a full test run can starve the pool's).
            while batches < 40 || !restarted.withLock({ $0 }) {
                let batch = batches
                batches += 1
                let lines = (0..<perBatch).map { i in
                    #"{"name":"restart","hostIdentifier":"busy","calendarTime":"now","unixTime":1796515200,"action":"added","columns":{"n":"\#(batch * perBatch + i)"}}"#
                }
                let body = #"{"node_key":"\#(key)","log_type":"result","data":[\#(lines.joined(separator: ","))]}"#
                // As an agent does: send until acknowledged, waiting a little between tries.
                while true {
                    let began = Date()
                    let reply = try await server.request(OsqueryPaths.log, json: body)
                    slowest = max(slowest, Date().timeIntervalSince(began))
                    if reply.status == 200 { break }
                    errors.append(reply.status)
                    refused.withLock { $0 = true }
                    try #require(Date() < deadline, "the server did not recover from the restart: \(reply.status) \(reply.text)")
                    await DispatchPause.seconds(0.2)
                }
                await DispatchPause.seconds(0.1)
            }
            try await restart
            #expect(!errors.isEmpty, "the outage was seen by the agent")
            #expect(errors.allSatisfy { (500...599).contains($0) }, "errors, not refusals: \(Set(errors))")
            #expect(slowest < 10, "no request waited long for the database: \(slowest) s")
            // Every line, once.
            let stored = try await TestPostgres.offThread {
                try cluster.psql("SELECT count(*), count(DISTINCT line) FROM logs WHERE name = 'restart'", database: "vigil")
            }
            #expect(stored == ["\(batches * perBatch)|\(batches * perBatch)"])
            #expect(try await server.request("/readyz", method: .GET).status == 200)
            await server.stop()
        }
    }
}
