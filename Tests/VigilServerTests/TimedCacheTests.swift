import Synchronization
import Testing
@testable import VigilWebUI
import VigilTestSupport

/// The pages' fleet-wide sums: computed once a period, and never waited for again once
/// held: an expired value is served while a single refresh runs behind it.
@Suite(.ownThread) struct TimedCacheTests {
    /// A computation that counts its runs and, while `held`, waits until let go.
    final class Source: Sendable {
        let runs = Mutex(0)
        let held = Mutex(false)
        func next() async -> Int {
            let run = runs.withLock { $0 += 1; return $0 }
            while held.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
            return run
        }
    }

    @Test func anExpiredValueIsServedWhileOneRefreshRuns() async throws {
        let source = Source()
        let cache = TimedCache<Int>(seconds: 60, cheapSeconds: 0) { await source.next() }
        #expect(try await cache.value(now: 1000) == 1)
        #expect(try await cache.value(now: 1059) == 1)
        #expect(source.runs.withLock { $0 } == 1, "computed again within its period")

        // Expired: the old value at once, one refresh started however many ask.
        source.held.withLock { $0 = true }
        let clock = ContinuousClock(), started = clock.now
        #expect(try await cache.value(now: 1061) == 1)
        #expect(try await cache.value(now: 1062) == 1)
        #expect(clock.now - started < .milliseconds(500), "a request waited for the refresh")
        for _ in 0..<100 where source.runs.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(source.runs.withLock { $0 } == 2)
        source.held.withLock { $0 = false }
        var fresh = 0
        for _ in 0..<100 where fresh != 2 {
            fresh = try await cache.value(now: 1063)
            if fresh != 2 { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(fresh == 2)
        #expect(source.runs.withLock { $0 } == 2, "more than one refresh ran")

        // Ten periods old (refreshes failing, or nobody asked): computed before answering.
        #expect(try await cache.value(now: 1063 + 600) == 3)
    }

    @Test func aMapKeepsOneValuePerKeyAndAtMostItsLimitOfKeys() async throws {
        // The drill-down's key is the visitor's pick: each its own value, and no more
        // keys kept than the limit however many are asked for.
        let runs = Mutex<[String: Int]>([:])
        let map = TimedCacheMap<String, String>(seconds: 60, limit: 3, cheapSeconds: 0) { key in
            let run = runs.withLock { $0[key, default: 0] += 1; return $0[key]! }
            return "\(key)#\(run)"
        }
        #expect(try await map.value("a", now: 1000) == "a#1")
        #expect(try await map.value("b", now: 1000) == "b#1")
        #expect(try await map.value("a", now: 1030) == "a#1", "computed again within its period")
        #expect(try await map.value("c", now: 1030) == "c#1")
        #expect(map.count == 3)
        for i in 0..<100 { _ = try await map.value("k\(i)", now: 1030) }
        #expect(map.count <= 3)
        #expect(try await map.value("a", now: 1031) == "a#2", "dropped with the rest past the limit, so computed again")
    }

    @Test func aCheapValueIsNeverKept() async throws {
        // A small fleet's sums cost microseconds: each request computes them, so the page
        // right after start (warmed before any host enrolled) is current too.
        let source = Source()
        let cache = TimedCache<Int>(seconds: 60) { await source.next() }
        await cache.refresh(now: 1000)
        #expect(try await cache.value(now: 1001) == 2)
        #expect(try await cache.value(now: 1002) == 3)
    }

    @Test func warmingFillsItBeforeTheFirstRequest() async throws {
        let source = Source()
        let cache = TimedCache<Int>(seconds: 60, cheapSeconds: 0) { await source.next() }
        await cache.refresh(now: 500)
        #expect(try await cache.value(now: 510) == 1)
        #expect(source.runs.withLock { $0 } == 1)
    }
}
