/// Why the supervisor ended a worker, or how a worker died on its own.
public struct WorkerEnd: Sendable, Equatable {
    public enum Cause: String, Sendable {
        /// The supervisor killed it for a limit.
        case limit
        /// It exited by itself, or a signal from elsewhere (kill -9, the OOM killer).
        case died
        /// The agent is stopping.
        case shutdown
    }
    public var cause: Cause
    public var pid: Int32
    /// The breach, for `.limit`.
    public var breach: Breach?
    /// The scheduled query the worker was running, if it had marked one.
    public var query: String?
    /// Exit status, or the signal that ended it.
    public var exitStatus: Int32?
    public var signal: Int32?
    /// How long the worker lived (seconds).
    public var lifetime: Double
    /// Whether the query was denylisted for it.
    public var denylisted: Bool

    public init(cause: Cause, pid: Int32, breach: Breach? = nil, query: String? = nil, exitStatus: Int32? = nil,
                signal: Int32? = nil, lifetime: Double, denylisted: Bool = false) {
        self.cause = cause
        self.pid = pid
        self.breach = breach
        self.query = query
        self.exitStatus = exitStatus
        self.signal = signal
        self.lifetime = lifetime
        self.denylisted = denylisted
    }
}

/// Where the supervisor reads the worker's "executing" marker and writes what it
/// did. The agent's state store implements it; the watchdog knows nothing of SQL.
public protocol WatchdogJournal: AnyObject {
    /// The scheduled query the worker marked as running, if any.
    func executing() -> ExecutingQuery?
    /// Whether `query` may be denylisted (a per-query `denylist: false` exempts it).
    func mayDenylist(_ query: String) -> Bool
    /// Skip `query` for a while: it was running when the worker broke a limit.
    func denylist(_ query: String, reason: String)
    /// Keep a record of a worker's end (the `vigil_watchdog` table).
    func record(_ end: WorkerEnd)
    /// The restarts have become a crash loop.
    func crashLoop(restarts: Int, windowSeconds: Double)
}

extension WatchdogJournal {
    /// The name of the query the worker marked as running.
    public func executingQuery() -> String? { executing()?.name }
}
