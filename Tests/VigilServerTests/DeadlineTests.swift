import Foundation
import Synchronization
import Testing
@testable import VigilServerStore
import VigilSystem
import VigilTestSupport

/// A store call answers within its limit even when its work ignores cancellation (as
/// postgres-nio's wait for a connection did while PostgreSQL refused them: a task group
/// waited for it for good, and a test run hung).
@Suite(.ownThread) struct DeadlineTests {
    struct TimedOut: Error {}
    static let executor = SerialTaskExecutor(label: "vigil.test.deadline")

    /// Work that does not stop when cancelled: it ends only when `release` is called.
    final class Stubborn: Sendable {
        let waiting = Mutex<CheckedContinuation<Void, Never>?>(nil)
        func work() async -> Int {
            await withCheckedContinuation { c in waiting.withLock { $0 = c } }
            return 1
        }
        func release() { waiting.withLock { $0?.resume(); $0 = nil } }
    }

    @Test func workThatIgnoresCancellationTimesOutAtTheLimit() async throws {
        let stubborn = Stubborn()
        // The caller waits on a queue of its own: on the cooperative pool, which the
        // suite's synchronous tests hold, its resumption would wait for them.
        // (Timed inside: back on the pool, the clock would be read late.)
        let (outcome, took): (Result<Int, any Error>, Duration) = await withTaskExecutorPreference(SerialTaskExecutor(label: "vigil.test.caller")) {
            let began = ContinuousClock.now
            do {
                let value = try await Deadline.run(within: .milliseconds(300), on: Self.executor, timedOut: { TimedOut() }) { await stubborn.work() }
                return (.success(value), ContinuousClock.now - began)
            } catch { return (.failure(error), ContinuousClock.now - began) }
        }
        #expect(took < .seconds(5))
        #expect(throws: TimedOut.self) { try outcome.get() }
        // Its late end is dropped, not delivered to anyone.
        while stubborn.waiting.withLock({ $0 == nil }) { try await Task.sleep(for: .milliseconds(10)) }
        stubborn.release()
    }

    @Test func workWithinTheLimitGivesItsResultOrItsError() async throws {
        let value = try await Deadline.run(within: .seconds(30), on: Self.executor, timedOut: { TimedOut() }) { 42 }
        #expect(value == 42)
        struct Failed: Error {}
        await #expect(throws: Failed.self) {
            try await Deadline.run(within: .seconds(30), on: Self.executor, timedOut: { TimedOut() }) { () async throws -> Int in throw Failed() }
        }
    }

    @Test func aCancelledCallerEndsItsWork() async throws {
        let ended = Mutex(false)
        let caller = Task {
            try await Deadline.run(within: .seconds(60), on: Self.executor, timedOut: { TimedOut() }) { () async throws -> Int in
                defer { ended.withLock { $0 = true } }
                try await Task.sleep(for: .seconds(60))
                return 0
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        let deadline = ContinuousClock.now + .seconds(5)
        while !ended.withLock({ $0 }) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(ended.withLock { $0 })
    }
}
