import Foundation
import Glibc
import Testing
import VigilSystem
import VigilTestSupport

/// The waits that replaced polling loops: a child's pidfd, the signal wake-up eventfd,
/// and the async wait on either. Each against a real child process and real time.
/// The async waits run on an executor of their own: in a full parallel run the tests
/// that wait synchronously on processes hold the cooperative pool's two threads, and a
/// resumed task would wait for one of them (40 s once), timing the pool, not the wait.
@Suite(.ownThread, .serialized) struct WakeupTests {
    static let executor = SerialTaskExecutor(label: "vigil.wakeup-tests")

    static func elapsed(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    @Test func pidfdWakesWhenTheChildExits() throws {
        let pid = try ChildProcess.spawn(["/bin/sleep", "0.3"])
        defer { Self.reap(pid) }
        let exit = try PidFD(pid)
        #expect(!exit.hasExited)
        let start = ContinuousClock.now
        #expect(exit.waitForExit(timeout: 10))
        let took = Self.elapsed(since: start)
        #expect(took > 0.2 && took < 3, "\(took) s")
        #expect(exit.hasExited)
    }

    @Test func pidfdWaitEndsAtItsTimeout() throws {
        let pid = try ChildProcess.spawn(["/bin/sleep", "30"])
        defer { kill(pid, SIGKILL); Self.reap(pid) }
        let exit = try PidFD(pid)
        let start = ContinuousClock.now
        #expect(!exit.waitForExit(timeout: 0.2))
        let took = Self.elapsed(since: start)
        #expect(took >= 0.2 && took < 2, "\(took) s")
    }

    /// What a signal handler does (notify) ends a wait on the pidfd at once.
    @Test func signalWakeupEndsThePidfdWait() throws {
        let pid = try ChildProcess.spawn(["/bin/sleep", "30"])
        defer { kill(pid, SIGKILL); Self.reap(pid) }
        let exit = try PidFD(pid)
        SignalWakeup.drain()
        let notifier = Thread { usleep(200_000); SignalWakeup.notify() }
        let start = ContinuousClock.now
        notifier.start()
        #expect(!exit.waitForExit(timeout: 20, wake: SignalWakeup.descriptor))
        let took = Self.elapsed(since: start)
        #expect(took > 0.15 && took < 5, "\(took) s")
        SignalWakeup.drain()
        // Drained: the next wait sleeps again.
        #expect(!exit.waitForExit(timeout: 0.1, wake: SignalWakeup.descriptor))
    }

    @Test func pidOfNoProcessIsRefused() {
        #expect(throws: SystemError.self) { try PidFD(Int32.max) }
    }

    @Test func asyncExitIsAwaited() async throws {
        try await withTaskExecutorPreference(Self.executor) {
            let pid = try ChildProcess.spawn(["/bin/sleep", "0.3"])
            defer { Self.reap(pid) }
            let exit = try PidFD(pid)
            let start = ContinuousClock.now
            #expect(await exit.exited(timeout: 10))
            let took = Self.elapsed(since: start)
            #expect(took > 0.2 && took < 3, "\(took) s")
        }
    }

    @Test func asyncWaitEndsAtItsTimeoutOrCancellation() async throws {
        try await withTaskExecutorPreference(Self.executor) {
            let pid = try ChildProcess.spawn(["/bin/sleep", "30"])
            defer { kill(pid, SIGKILL); Self.reap(pid) }
            let exit = try PidFD(pid)
            var start = ContinuousClock.now
            #expect(await !exit.exited(timeout: 0.2))
            var took = Self.elapsed(since: start)
            #expect(took >= 0.2 && took < 2, "\(took) s")

            start = ContinuousClock.now
            let waiting = Task(executorPreference: Self.executor) { await exit.exited() }
            await DispatchPause.seconds(0.2)
            waiting.cancel()
            #expect(await !waiting.value)
            took = Self.elapsed(since: start)
            #expect(took < 3, "cancelled after \(took) s")
        }
    }

    @Test func asyncWaitSeesAWakeupAlreadyPending() async {
        await withTaskExecutorPreference(Self.executor) {
            SignalWakeup.drain()
            SignalWakeup.notify()
            let start = ContinuousClock.now
            #expect(await Readiness.readable(SignalWakeup.descriptor, timeout: 10))
            #expect(Self.elapsed(since: start) < 2)
            SignalWakeup.drain()
            #expect(await !Readiness.readable(SignalWakeup.descriptor, timeout: 0.1))
        }
    }
}
