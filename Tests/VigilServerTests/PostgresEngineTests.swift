import Foundation
import Logging
import Testing
import VigilServerStore
import VigilTestSupport

@Suite(.ownThread) struct PostgresEngineTests {
    /// A person's call (an operator submitting a live query while thousands of agents are
    /// busy) does not wait for a connection behind the agents' calls: people have a pool
    /// of their own.
    @Test(.enabled(if: TestPostgres.available, "PostgreSQL is not installed"))
    func aPersonsCallDoesNotQueueBehindAgentsCalls() async throws {
        let engine = try await PostgresEngine(url: try PostgresURL(try await TestPostgres.newDatabase()), logger: Logger(label: "test.postgres"))
        // 40 agents' calls of 1.5 s each on the agents' 16 connections: the first of them
        // end 1.5 s from now, the last about 4.5 s.
        let agents = (0..<40).map { _ in
            Task { _ = try await engine.read { db in try await db.rows("SELECT pg_sleep(1.5)", []) } }
        }
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        let person = try await StoreLane.$current.withValue(.people) {
            try await engine.read { db in try await db.rows("SELECT 42", []).first?.first?.integer }
        }
        let waited = ContinuousClock.now - started
        #expect(person == 42)
        // In the agents' pool it would wait for the first of them to end, 1.3 s on.
        #expect(waited < .milliseconds(750), "the person's call took \(waited) behind the agents' calls")
        for t in agents { _ = try await t.value }
        await engine.shutdown()
    }
}
