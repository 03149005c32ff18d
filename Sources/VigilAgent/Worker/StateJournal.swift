import Logging
import VigilSQL
import VigilSystem
import VigilWatchdog

/// The supervisor's view of the state store: the worker's "executing" marker, the
/// denylist, and the record of every worker end. State errors are logged, never
/// fatal: the supervisor must keep the worker running whatever the disk does.
public final class StateJournal: WatchdogJournal {
    let store: StateStore
    let logger: Logger
    /// Queries exempt from denylisting (`denylist: false`).
    public var exempt: Set<String>
    public var denylistSeconds: Int64

    public init(store: StateStore, exempt: Set<String>, denylistSeconds: Int64, logger: Logger) {
        self.store = store
        self.exempt = exempt
        self.denylistSeconds = denylistSeconds
        self.logger = logger
    }

    public func executing() -> ExecutingQuery? {
        do { return try store.blamed().map { ExecutingQuery(name: $0.name, started: $0.started) } } catch {
            logger.error("cannot read the executing marker: \(error)")
            return nil
        }
    }

    public func mayDenylist(_ query: String) -> Bool { !exempt.contains(query) }

    public func denylist(_ query: String, reason: String) {
        let now = Clock.realtimeNanoseconds() / 1_000_000_000
        do {
            try store.denylist(query, for: denylistSeconds, reason: "watchdog", measured: reason, at: now)
            logger.warning("denylisted \(query) for \(denylistSeconds) s: \(reason)")
        } catch {
            logger.error("cannot denylist \(query): \(error)")
        }
    }

    public func record(_ end: WorkerEnd) {
        let detail: String
        switch end.cause {
        case .limit: detail = "killed for \(end.breach?.description ?? "a limit")"
        case .died: detail = end.signal.map { "ended by signal \($0)" } ?? "exited with status \(end.exitStatus ?? -1)"
        case .shutdown: detail = "stopped with the agent"
        }
        if end.cause == .died { logger.warning("worker \(end.pid) \(detail) after \(Int(end.lifetime)) s; running: \(end.query ?? "nothing")") }
        let r = WatchdogRecord(time: Clock.realtimeNanoseconds() / 1_000_000_000, pid: Int64(end.pid), cause: end.cause.rawValue,
                               limit: end.breach?.limit.rawValue, measured: end.breach?.measured, threshold: end.breach?.threshold,
                               seconds: end.breach?.seconds, query: end.query, denylisted: end.denylisted,
                               exitStatus: end.exitStatus.map(Int64.init), signal: end.signal.map(Int64.init),
                               lifetime: end.lifetime, detail: detail)
        do { try store.recordWatchdog(r) } catch { logger.error("cannot record the worker's end: \(error)") }
    }

    public func crashLoop(restarts: Int, windowSeconds: Double) {
        let r = WatchdogRecord(time: Clock.realtimeNanoseconds() / 1_000_000_000, pid: 0, cause: "crash_loop", limit: nil,
                               measured: Double(restarts), threshold: nil, seconds: windowSeconds, query: nil,
                               denylisted: false, exitStatus: nil, signal: nil, lifetime: 0,
                               detail: "\(restarts) restarts within \(Int(windowSeconds)) s")
        do { try store.recordWatchdog(r) } catch { logger.error("cannot record the crash loop: \(error)") }
    }
}
