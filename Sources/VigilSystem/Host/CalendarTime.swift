import Glibc

/// The current instant broken down in UTC, plus the local zone's abbreviation.
public struct CalendarTime: Sendable, Equatable {
    public var unixTime: Int64
    public var year, month, day, hour, minute, second: Int
    /// 0 = Sunday.
    public var weekday: Int
    /// The local zone's abbreviation now (CET, UTC, PDT).
    public var localZone: String

    public static func now() -> CalendarTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var utc = tm()
        gmtime_r(&t, &utc)
        var local = tm()
        tzset()
        localtime_r(&t, &local)
        let zone = local.tm_zone.map { String(cString: $0) } ?? ""
        return CalendarTime(unixTime: Int64(t), year: Int(utc.tm_year) + 1900, month: Int(utc.tm_mon) + 1,
                            day: Int(utc.tm_mday), hour: Int(utc.tm_hour), minute: Int(utc.tm_min),
                            second: Int(utc.tm_sec), weekday: Int(utc.tm_wday), localZone: zone)
    }
}
