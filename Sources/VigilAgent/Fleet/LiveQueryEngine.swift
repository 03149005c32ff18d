import Dispatch
import Glibc
import VigilSQL
import VigilSystem
import VigilWire

/// What one live query gave: its rows, or its error, and what it cost.
struct LiveAnswer: Sendable {
    var rows: [[String: JSONValue]] = []
    var error: String?
    var stats = DistributedStats()
}

/// Runs the server's live queries in an engine of their own (the scheduler's tables,
/// with the same read-only hardening as every query engine), on a queue of its own so
/// that the scheduler's rhythm never waits for them, each interrupted at its deadline.
final class LiveQueryEngine: @unchecked Sendable {
    // @unchecked: `database` is used on `queue` alone; interrupt is thread-safe.
    private let database: Database
    private let interrupter: Interrupter
    /// For the ad hoc marker and denylist: a query that got the worker stopped is blamed
    /// (never the scheduled query beside it) and refused for the denylist's duration.
    private let store: StateStore?
    private let queue = DispatchQueue(label: "vigil.live-queries")
    let timeoutSeconds: Double
    /// Largest answer sent for one query; past it the query fails with a message.
    static let maxAnswerBytes = WireCoding.maxBodyBytes / 2

    init(tables: [any VirtualTable], timeoutSeconds: Double, statePath: String?) throws(SQLError) {
        database = try Database(tables: tables)
        store = try statePath.map { path throws(SQLError) in try StateStore(path: path) }
        interrupter = Interrupter(database)
        self.timeoutSeconds = timeoutSeconds
    }

    func run(_ sql: String) async -> LiveAnswer {
        // SQLite's parser stops at a NUL; the server meant more than it would run.
        if sql.utf8.contains(0) { return LiveAnswer(error: "the query contains a NUL byte") }
        let timeout = timeoutSeconds
        return await withCheckedContinuation { continuation in
            queue.async { [self] in
                let deadline = DispatchWorkItem { [interrupter] in interrupter.interrupt() }
                DispatchPause.timers.asyncAfter(deadline: .now() + timeout, execute: deadline)
                defer { deadline.cancel() }
                var answer = LiveAnswer()
                let name = StateStore.adHocName(sql)
                let now = Clock.realtimeNanoseconds() / 1_000_000_000
                if let denied = try? store?.denylistEntry(name, at: now) {
                    answer.error = "refused: this query got the worker stopped (\(denied.measured)); it is refused until \(denied.until) (unix time)"
                    return continuation.resume(returning: answer)
                }
                try? store?.markAdHoc(name, at: now, pid: getpid())
                defer { try? store?.clearAdHoc() }
                do throws(QueryFailure) {
                    let run = try QueryExecutor.run(sql, on: database)
                    answer.stats = Self.stats(run.cost)
                    if run.cost.outputBytes > Self.maxAnswerBytes {
                        answer.error = "the answer is \(run.cost.outputBytes) bytes, over the \(Self.maxAnswerBytes) bytes one live query may send; select fewer rows or columns"
                    } else {
                        answer.rows = run.rows.map { $0.mapValues(JSONValue.string) }
                    }
                } catch {
                    answer.stats = Self.stats(error.cost)
                    answer.error = error.cost.wallNanoseconds >= Int64(timeout * 1e9) && error.error.code == 9
                        ? "the query ran longer than \(Int(timeout)) s and was interrupted" : error.error.message
                }
                continuation.resume(returning: answer)
            }
        }
    }

    static func stats(_ cost: QueryCost) -> DistributedStats {
        DistributedStats(wallTimeMs: cost.wallNanoseconds / 1_000_000, userTime: cost.userNanoseconds / 1_000_000,
                         systemTime: cost.systemNanoseconds / 1_000_000, memory: cost.memoryBytes)
    }
}
