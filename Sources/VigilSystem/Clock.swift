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

    /// UNIX seconds of an RFC 3339 time ("2026-12-06T12:31:10.114678645Z", or with an
    /// offset such as "+01:00"); the fraction is dropped. nil when it is not one.
    public static func unixSeconds(rfc3339 text: String) -> Int64? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int32? {
            guard from + count <= b.count else { return nil }
            var v: Int32 = 0
            for c in b[from..<from + count] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int32(c - 48)
            }
            return v
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116, b[13] == 58, b[16] == 58,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
        var i = 19
        if b[i] == 46 { i += 1; while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 } }  // ".fraction"
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        if b[i] == 90 || b[i] == 122 {  // Z
            guard i + 1 == b.count else { return nil }
        } else if b[i] == 43 || b[i] == 45, i + 6 == b.count, b[i + 3] == 58,
                  let h = number(i + 1, 2), let m = number(i + 4, 2) {
            offset = (Int64(h) * 3600 + Int64(m) * 60) * (b[i] == 45 ? -1 : 1)
        } else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900; parts.tm_mon = month - 1; parts.tm_mday = day
        parts.tm_hour = hour; parts.tm_min = minute; parts.tm_sec = second
        return Int64(timegm(&parts)) - offset
    }
}
