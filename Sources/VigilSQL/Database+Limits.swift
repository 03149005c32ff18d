import CSQLite
import VigilSystem

/// How much memory and time a query may take before it fails on its own, with an
/// error that names the limit, rather than growing until a watchdog or the OOM killer
/// ends the whole process. Temporary storage stays in memory (`temp_store`, set in
/// `harden`), so the memory limit bounds it too and nothing reaches /var/tmp.
extension Database {
    /// Cap SQLite's heap (sqlite3_hard_heap_limit64): an allocation past it fails the
    /// statement with SQLITE_NOMEM. Process-wide: SQLite has no per-connection heap
    /// limit, so it bounds every connection of the process together (the agent's state
    /// store needs a few MB of it). 0 removes the limit.
    public static func limitHeap(megabytes: Int) {
        _ = sqlite3_hard_heap_limit64(Int64(max(0, megabytes)) << 20)
    }

    /// The heap limit in bytes, 0 when there is none.
    public static var heapLimitBytes: Int64 { sqlite3_hard_heap_limit64(-1) }

    /// Stop any statement of this connection that runs past `seconds` from now
    /// (nil: no limit). Checked by a progress handler every few thousand virtual
    /// machine steps, on the query's own thread: no timer thread is needed.
    public func limitTime(seconds: Double?) {
        guard let seconds else {
            clock.deadline = 0
            clock.seconds = 0
            return
        }
        clock.seconds = seconds
        clock.deadline = Clock.monotonicNanoseconds() + Int64(seconds * 1e9)
    }

    func installProgressHandler() {
        let ctx = Unmanaged.passUnretained(clock).toOpaque()
        sqlite3_progress_handler(handle, 4096, { ctx in
            let clock = Unmanaged<QueryClock>.fromOpaque(ctx!).takeUnretainedValue()
            return clock.deadline != 0 && Clock.monotonicNanoseconds() > clock.deadline ? 1 : 0
        }, ctx)
    }

    /// The error for a statement stopped by one of the limits, or nil.
    func limitError(code: Int32) -> SQLError? {
        switch code & 0xff {
        case SQLITE_NOMEM where Self.heapLimitBytes > 0:
            return SQLError(code: code, message: "the query needed more memory than the SQL heap limit of \(Self.heapLimitBytes >> 20) MB; narrow it with WHERE or LIMIT")
        case SQLITE_INTERRUPT where clock.deadline != 0 && Clock.monotonicNanoseconds() > clock.deadline:
            return SQLError(code: code, message: "the query ran longer than its time limit of \(Self.seconds(clock.seconds)) s and was stopped")
        default:
            return nil
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }
}

/// The time limit a connection's progress handler reads (monotonic nanoseconds).
final class QueryClock {
    var deadline: Int64 = 0
    var seconds: Double = 0
}
