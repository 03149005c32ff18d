import AsyncHTTPClient
import Foundation
import NIOCore
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

    @Test func limitsAreTakenOutAndTheTimerStopsWhenWorkEnds() async throws {
        let sweep = DeadlineSweep(period: 0.05)
        for k in 0..<200 {
            let value = try await Deadline.run(within: .seconds(30), on: Self.executor, sweep: sweep, timedOut: { TimedOut() }) { k }
            #expect(value == k)
        }
        #expect(sweep.kept.limits == 0, "a call that ended keeps no limit")
        let stubborn = Stubborn()
        await #expect(throws: TimedOut.self) {
            try await Deadline.run(within: .milliseconds(100), on: Self.executor, sweep: sweep, timedOut: { TimedOut() }) { await stubborn.work() }
        }
        #expect(sweep.kept.limits == 0, "a limit that fired is gone")
        // Nothing kept: the timer stops at its next look (an idle server is not woken).
        let until = ContinuousClock.now + .seconds(5)
        while sweep.kept.timer && ContinuousClock.now < until { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!sweep.kept.timer)
        while stubborn.waiting.withLock({ $0 == nil }) { try await Task.sleep(for: .milliseconds(10)) }
        stubborn.release()
    }

    /// A request bound to its connection's loop has its store calls wait on that loop; a
    /// request moved off it (a large upload) does not, nor does anything else.
    @Test func storeCallsWaitOnTheServingLoopOnlyWhenRunningThere() async throws {
        let loop = HTTPClient.shared.eventLoopGroup.next()
        let executor = EventLoopTaskExecutor(loop)
        #expect(EventLoopTaskExecutor.onServingLoop == nil)
        let (on, moved, ranOnLoop) = await Task(executorPreference: executor) {
            await EventLoopTaskExecutor.$serving.withValue(executor) {
                let on = EventLoopTaskExecutor.onServingLoop === executor
                let moved = await withTaskExecutorPreference(Self.executor) { EventLoopTaskExecutor.onServingLoop == nil }
                // The call's work runs on the loop (where postgres-nio answers), and the caller resumes there.
                let ranOnLoop = (try? await Deadline.run(within: .seconds(30), on: executor, timedOut: { TimedOut() }) { loop.inEventLoop }) ?? false
                return (on, moved, ranOnLoop && loop.inEventLoop)
            }
        }.value
        #expect(on)
        #expect(moved)
        #expect(ranOnLoop)
    }
}
