import NIOCore
import Synchronization
import VigilServerStore

/// The tasks that run the server's connections, each bound to its event loop.
///
/// They are not children of Hummingbird's task group: the Swift runtime keeps a group's
/// children in a list and walks it to take out one that ends, so with 10,000 agents
/// connected every connection that closed cost a walk past thousands of others
/// (`TaskGroup::removeChildTask`, 10% of the server's CPU during a live query to 10,000
/// agents while their idle connections closed). Here each is one dictionary entry, and
/// the server waits for all of them to end before its store closes.
final class ConnectionTasks: Sendable {
    private struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var idle: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    private let nextID = Atomic<Int>(0)

    /// Run `body` on `loop`, in a task of its own.
    func run(on loop: any EventLoop, _ body: @escaping @Sendable () async -> Void) {
        let id = nextID.add(1, ordering: .relaxed).newValue
        // Created under the lock: a task that ends at once waits for its entry to exist
        // before taking it out (its jobs run on the loop, never inline here).
        state.withLock { s in
            let executor = EventLoopTaskExecutor(loop)
            s.tasks[id] = Task(executorPreference: executor) { [self] in
                await EventLoopTaskExecutor.$serving.withValue(executor) { await body() }
                ended(id)
            }
        }
    }

    private func ended(_ id: Int) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.tasks[id] = nil
            guard s.tasks.isEmpty else { return [] }
            defer { s.idle = [] }
            return s.idle
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The server stops without draining: each connection's task is cancelled.
    func cancelAll() {
        for task in state.withLock({ Array($0.tasks.values) }) { task.cancel() }
    }

    /// Until no connection's task runs.
    func waitUntilIdle() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.tasks.isEmpty { return true }
                s.idle.append(waiter)
                return false
            }
            if now { waiter.resume() }
        }
    }
}
