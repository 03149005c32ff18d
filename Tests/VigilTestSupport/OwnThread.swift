import Foundation
import Testing

extension Trait where Self == OwnThread {
    /// Each test case of the suite runs on a thread of its own (see `OwnThread`).
    public static var ownThread: OwnThread { OwnThread() }
}

/// Runs each test case on a thread of its own instead of the cooperative pool.
///
/// Swift Testing calls a synchronous test from the pool, and a test that waits on a
/// process holds its pool thread for as long as it waits. The pool is as wide as the
/// machine has cores (two in CI), so two such tests stopped everything else that needs
/// it: every `Task.sleep` in every in-process server, every library task. Full runs saw
/// all servers stand still together for over two minutes, and timing tests fail. On a
/// thread of its own a test can block as long as it likes.
///
/// Off the pool nothing bounds how many tests run at once, so a test case first waits
/// for one of `TestSlots.shared`'s slots: 3 by default ($VIGIL_TEST_WIDTH). On two
/// cores a full run took 644 s at 3 (888 s bound to the pool); at 6 it took 583 s, but
/// tests that time a process under load failed.
///
/// Every suite carries it (`OwnThreadTests` checks the sources): nested suites inherit it.
public struct OwnThread: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> OwnThread? {
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        await TestSlots.shared.acquire()
        defer { TestSlots.shared.release() }
        let thread = ThreadExecutor(name: "vigil-test")
        defer { thread.finish() }
        try await withTaskExecutorPreference(thread) { try await function() }
    }
}

/// A counting semaphore whose waiters suspend rather than block: first come, first served.
public final class TestSlots: @unchecked Sendable {
    // @unchecked: `free` and `waiting` are guarded by `lock`.
    public static let shared = TestSlots(Int(ProcessInfo.processInfo.environment["VIGIL_TEST_WIDTH"] ?? "") ?? 3)
    private let lock = NSLock()
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(_ width: Int) { free = max(1, width) }

    public func acquire() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            lock.lock()
            if free > 0 {
                free -= 1
                lock.unlock()
                waiter.resume()
            } else {
                waiting.append(waiter)
                lock.unlock()
            }
        }
    }

    public func release() {
        lock.lock()
        if waiting.isEmpty {
            free += 1
            lock.unlock()
        } else {
            let next = waiting.removeFirst()
            lock.unlock()
            next.resume()
        }
    }
}

/// A task executor that runs its jobs, in order, on one thread it owns.
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `finished` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    public init(name: String) {
        // Named from inside: Foundation does not pass a name set before start to the kernel.
        Thread { [self] in
            try? String(name.prefix(15)).write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
            run()
        }.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        defer { condition.unlock() }
        guard !finished else {
            // A task that inherited this executor and outlived the test: its thread is
            // gone, so the job runs on a dispatch thread rather than never.
            DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            return
        }
        jobs.append(job)
        condition.signal()
    }

    /// The thread ends once the jobs already queued have run.
    public func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
