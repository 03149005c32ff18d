import Foundation
import Synchronization
import Testing
@testable import VigilServer
import VigilSystem
import VigilTestSupport

/// Held reads end when a live query names their host, at their timeout, when their
/// task is cancelled or when the server stops; never early, never twice, never lost.
@Suite(.ownThread) struct LiveQueryHubTests {
    static let executor = SerialTaskExecutor(label: "vigil.test.hub")

    /// Starts a held read and returns how long it lasted once it ends.
    static func hold(_ hub: LiveQueryHub, host: Int64, seconds: Int, ready: @escaping @Sendable () async -> Bool = { false })
        -> Task<Duration, Never> {
        Task(executorPreference: executor) {
            let began = ContinuousClock.now
            await hub.wait(hostID: host, seconds: seconds) { await ready() }
            return ContinuousClock.now - began
        }
    }

    static func until(_ condition: () -> Bool) async throws {
        let limit = ContinuousClock.now + .seconds(10)
        while !condition() {
            try #require(ContinuousClock.now < limit, "condition not met in 10 s")
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func aWakeEndsOnlyTheNamedHostsReads() async throws {
        let hub = LiveQueryHub()
        let a1 = Self.hold(hub, host: 1, seconds: 60), a2 = Self.hold(hub, host: 1, seconds: 60)
        let b = Self.hold(hub, host: 2, seconds: 60)
        try await Self.until { hub.heldReads == 3 }
        hub.wake(hostIDs: [1, 99])
        #expect(await a1.value < .seconds(5))
        #expect(await a2.value < .seconds(5))
        try await Task.sleep(for: .milliseconds(300))
        #expect(hub.heldReads == 1, "host 2's read still waits")
        hub.wake(hostIDs: [2])
        _ = await b.value
        #expect(hub.heldReads == 0)
    }

    @Test func aReadEndsAtItsTimeoutAndTheTimerStopsWhenNothingIsHeld() async throws {
        let hub = LiveQueryHub()
        #expect(!hub.timeouts.kept.timer)
        let took = await Self.hold(hub, host: 1, seconds: 1).value
        #expect(took >= .milliseconds(750) && took < .seconds(3), "\(took)")
        try await Self.until { !hub.timeouts.kept.timer }
        // And starts again for the next read.
        let again = await Self.hold(hub, host: 1, seconds: 1).value
        #expect(again >= .milliseconds(750) && again < .seconds(3), "\(again)")
    }

    @Test func aWakeWhileReadyRunsIsNotLost() async throws {
        let hub = LiveQueryHub()
        // The query arrives after the read registered and after `ready` looked: the
        // read must still end at once, not at its timeout.
        let read = Self.hold(hub, host: 7, seconds: 60) {
            hub.wake(hostIDs: [7])
            return false
        }
        #expect(await read.value < .seconds(5))
        #expect(hub.heldReads == 0)
    }

    @Test func readyWorkEndsTheWaitAtOnce() async throws {
        let hub = LiveQueryHub()
        #expect(await Self.hold(hub, host: 3, seconds: 60) { true }.value < .seconds(5))
    }

    @Test func cancellingTheReadsTaskEndsIt() async throws {
        let hub = LiveQueryHub()
        let read = Self.hold(hub, host: 4, seconds: 60)
        try await Self.until { hub.heldReads == 1 }
        try await Task.sleep(for: .milliseconds(50))
        read.cancel()
        #expect(await read.value < .seconds(5))
        #expect(hub.heldReads == 0)
    }

    @Test func closingEndsEveryReadAndHoldsNoMore() async throws {
        let hub = LiveQueryHub()
        let reads = (1...50).map { Self.hold(hub, host: Int64($0 % 7), seconds: 60) }
        try await Self.until { hub.heldReads == 50 }
        hub.close()
        for r in reads { #expect(await r.value < .seconds(5)) }
        #expect(await Self.hold(hub, host: 1, seconds: 60).value < .seconds(5), "a read after close is not held")
    }

    @Test func tenThousandReadsWakeTogether() async throws {
        let hub = LiveQueryHub()
        let reads = (0..<10_000).map { Self.hold(hub, host: Int64($0), seconds: 60) }
        try await Self.until { hub.heldReads == 10_000 }
        let began = ContinuousClock.now
        hub.wake(hostIDs: (0..<10_000).map { Int64($0) })
        for r in reads { _ = await r.value }
        #expect(ContinuousClock.now - began < .seconds(10))
        #expect(hub.heldReads == 0)
    }
}
