import Synchronization

/// Group commit for SQLite's one writer: writes that arrive while a transaction runs
/// wait, and the next transaction takes all of them (up to `maxBatch`), each in a
/// savepoint of its own. A write still succeeds or fails alone (a failed one is rolled
/// back to its savepoint) and is answered only after the COMMIT that holds it, but the
/// cost of a transaction (its WAL frames: the same table and index pages, written once
/// rather than once per request) is shared. At thousands of agents' requests a second
/// this is most of the writer's work.
final class GroupCommit: Sendable {
    /// One queued write, its result type erased.
    private protocol Job: Sendable {
        func run(_ session: any SQLSession) async -> Bool
        func finish(committed: (any Error)?)
    }

    private final class TypedJob<T: Sendable>: Job, @unchecked Sendable {
        // @unchecked: `result` is written by the draining task, then read once in finish.
        let body: @Sendable (any SQLSession) async throws -> T
        let continuation: CheckedContinuation<T, any Error>
        var result: Result<T, any Error>?

        init(body: @escaping @Sendable (any SQLSession) async throws -> T, continuation: CheckedContinuation<T, any Error>) {
            self.body = body
            self.continuation = continuation
        }

        func run(_ session: any SQLSession) async -> Bool {
            do { result = .success(try await body(session)); return true } catch { result = .failure(error); return false }
        }

        func finish(committed error: (any Error)?) {
            switch (result, error) {
            case (.success, let error?): continuation.resume(throwing: error)
            case (let result?, _): continuation.resume(with: result)
            case (nil, let error): continuation.resume(throwing: error ?? CancellationError())
            }
        }
    }

    private struct Queue {
        var jobs: [any Job] = []
        var draining = false
    }

    private let queue = Mutex(Queue())
    /// Transactions run so far (tests: fewer than the writes when they queued together).
    let transactions = Atomic<Int>(0)
    private let maxBatch: Int
    private let executor: any TaskExecutor
    /// Runs a batch: BEGIN, each job between `SAVEPOINT`/`RELEASE`, COMMIT.
    private let transaction: @Sendable (_ body: @escaping @Sendable (any SQLSession) async throws -> Void) async throws -> Void

    /// Run after each batch, outside any transaction (the engine's WAL upkeep).
    private let between: @Sendable () async -> Void

    init(executor: any TaskExecutor, maxBatch: Int = 256,
         transaction: @escaping @Sendable (_ body: @escaping @Sendable (any SQLSession) async throws -> Void) async throws -> Void,
         between: @escaping @Sendable () async -> Void = {}) {
        self.executor = executor
        self.maxBatch = maxBatch
        self.transaction = transaction
        self.between = between
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let start = queue.withLock { q in
                q.jobs.append(TypedJob(body: body, continuation: continuation))
                if q.draining { return false }
                q.draining = true
                return true
            }
            // One drainer at a time, on the writer's own executor (not the cooperative
            // pool, which busy synchronous code can hold).
            if start { Task(executorPreference: executor) { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = queue.withLock { q -> [any Job] in
                let batch = Array(q.jobs.prefix(maxBatch))
                q.jobs.removeFirst(batch.count)
                if batch.isEmpty { q.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            var failure: (any Error)?
            transactions.add(1, ordering: .relaxed)
            do {
                try await transaction { session in
                    for job in batch {
                        try await session.run("SAVEPOINT vigil_write", [])
                        if !(await job.run(session)) { try await session.run("ROLLBACK TO vigil_write", []) }
                        try await session.run("RELEASE vigil_write", [])
                    }
                }
            } catch {
                failure = error
            }
            for job in batch { job.finish(committed: failure) }
            await between()
        }
    }
}
