import Glibc
import Synchronization
import VigilSystem

/// What one query run cost, measured on the thread that ran it.
public struct QueryCost: Sendable, Equatable {
    public var wallNanoseconds: Int64 = 0
    /// CPU time of the running thread only (getrusage(RUSAGE_THREAD)), not the process:
    /// osquery bills other threads' work (event publishers, logger) to the query; Vigil does not.
    public var userNanoseconds: Int64 = 0
    public var systemNanoseconds: Int64 = 0
    public var rows = 0
    /// Bytes of the rows as the results log writes them (each row's `columns` object).
    public var outputBytes = 0
    /// How much the process's resident memory rose at its peak during the query, over
    /// where it stood at the start; nil where the peak cannot be reset (see `MemoryPeak`).
    public var memoryBytes: Int64?

    public init() {}
}

/// Per-thread CPU time (getrusage(RUSAGE_THREAD)).
public struct ThreadCPUTime: Sendable, Equatable {
    public var userNanoseconds: Int64
    public var systemNanoseconds: Int64
    /// The thread's CPU clock (CLOCK_THREAD_CPUTIME_ID): exact, where getrusage's
    /// user/system figures advance in scheduler ticks and read 0 for short queries.
    public var totalNanoseconds: Int64

    /// The calling thread's CPU time so far.
    public static func now() -> ThreadCPUTime {
        var usage = rusage()
        // RUSAGE_THREAD (1): Linux-only, hidden from Swift behind _GNU_SOURCE.
        getrusage(__rusage_who_t(1), &usage)
        func ns(_ tv: timeval) -> Int64 { Int64(tv.tv_sec) * 1_000_000_000 + Int64(tv.tv_usec) * 1000 }
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return ThreadCPUTime(userNanoseconds: ns(usage.ru_utime), systemNanoseconds: ns(usage.ru_stime),
                             totalNanoseconds: Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec))
    }

    /// CPU used from `start` to `self`: the exact total, split into user and system in
    /// the proportion getrusage saw (all user when it saw nothing).
    public func since(_ start: ThreadCPUTime) -> (user: Int64, system: Int64) {
        let total = max(0, totalNanoseconds - start.totalNanoseconds)
        let user = max(0, userNanoseconds - start.userNanoseconds)
        let system = max(0, systemNanoseconds - start.systemNanoseconds)
        guard user + system > 0 else { return (total, 0) }
        let systemShare = Int64(Double(total) * Double(system) / Double(user + system))
        return (total - systemShare, systemShare)
    }
}

/// Peak resident memory during a span, from the kernel's high-water mark.
///
/// Why this measure: the watchdog limits the worker's resident memory, so "how far did
/// this query push RSS above where it started" is the number that explains a kill. Linux
/// keeps no per-thread memory figure, and glibc's allocator statistics (mallinfo2) are
/// process-wide too, walk every arena, and give no peak, only the current total. Writing
/// 5 to /proc/self/clear_refs resets VmHWM to the current RSS, so VmHWM after the query
/// is the peak reached during it. Growth made by another thread at the same moment is
/// counted too; other threads hold steady buffers, so that is small. Memory the
/// allocator reuses without growing RSS is not counted: it costs the host nothing.
///
/// Two spans that overlap (a live query beside a scheduled one) share the one mark: a
/// second reset would cut the first span's peak short, and each would be billed the
/// other's growth. So a span that another overlapped reports no figure rather than a
/// wrong one.
public enum MemoryPeak {
    /// One measured span: the RSS at its start, and its number among all spans.
    public struct Span: Sendable {
        let startRSS: Int64
        let number: UInt64
    }

    private struct Spans {
        var next: UInt64 = 0
        var open: Set<UInt64> = []
        var overlapped: Set<UInt64> = []
    }

    private static let spans = Mutex(Spans())

    /// Reset the high-water mark and open a span; nil when the mark cannot be reset (a
    /// read-only /proc in some containers).
    public static func start() -> Span? {
        let (number, alone) = spans.withLock { state -> (UInt64, Bool) in
            let number = state.next
            state.next += 1
            if !state.open.isEmpty { state.overlapped.formUnion(state.open.union([number])) }
            state.open.insert(number)
            return (number, state.open.count == 1)
        }
        // Not reset under an open span: that span's peak would be lost.
        var reset = !alone
        if alone {
            let fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
            reset = fd >= 0 && "5".withCString { write(fd, $0, 1) } == 1
            if fd >= 0 { close(fd) }
        }
        guard reset, let rss = status()?.residentBytes else {
            _ = finish(number)
            return nil
        }
        return Span(startRSS: rss, number: number)
    }

    /// Bytes the peak rose above the span's starting RSS; nil when the span could not be
    /// measured or another span overlapped it. Closes the span.
    public static func growth(since span: Span?) -> Int64? {
        guard let span else { return nil }
        let peak = status()?.peakResidentBytes
        guard !finish(span.number), let peak else { return nil }
        return max(0, peak - span.startRSS)
    }

    /// Forget span `number`; whether another span overlapped it.
    private static func finish(_ number: UInt64) -> Bool {
        spans.withLock { state in
            state.open.remove(number)
            return state.overlapped.remove(number) != nil
        }
    }

    /// /proc/self/status through the one parser of it (not MemoryStatistics.read,
    /// which also walks malloc's arenas).
    static func status() -> MemoryStatistics? {
        (try? FileSystem.read("/proc/self/status", limit: 16 << 10)).map(MemoryStatistics.parse(status:))
    }
}
