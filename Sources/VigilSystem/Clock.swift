import Glibc

/// Clocks Vigil reads: wall time, and CLOCK_BOOTTIME, which BPF timestamps use.
public enum Clock {
    public static func realtimeNanoseconds() -> Int64 { nanoseconds(CLOCK_REALTIME) }
    public static func boottimeNanoseconds() -> Int64 { nanoseconds(CLOCK_BOOTTIME) }
    public static func monotonicNanoseconds() -> Int64 { nanoseconds(CLOCK_MONOTONIC) }

    static func nanoseconds(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// UTC ISO 8601 with nanoseconds: 2026-11-21T17:30:00.123456789Z.
    public static func iso8601(nanoseconds: Int64) -> String {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        let fraction = String(nanoseconds % 1_000_000_000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 9 - fraction.count) + fraction + "Z"
    }
}
