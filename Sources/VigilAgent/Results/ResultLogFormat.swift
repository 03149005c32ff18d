import Glibc
import VigilSystem

/// The identity and context shared by every line of one query run.
public struct ResultHeader: Sendable, Equatable {
    public var name: String
    public var hostIdentifier: String
    public var unixTime: Int64
    public var epoch: Int64
    public var counter: Int64
    public var decorations: [String: String]

    public init(name: String, hostIdentifier: String, unixTime: Int64, epoch: Int64, counter: Int64, decorations: [String: String] = [:]) {
        self.name = name
        self.hostIdentifier = hostIdentifier
        self.unixTime = unixTime
        self.epoch = epoch
        self.counter = counter
        self.decorations = decorations
    }
}

/// osquery's results-log event format, one JSON object per line:
/// differential runs give one line per added or removed row (`columns` and `action`);
/// snapshot runs give one line with every row under `snapshot` and action `snapshot`.
/// Values are strings and `numerics` is false, as osquery logs by default. Keys of
/// `columns` and `decorations` are sorted, so a run always encodes to the same bytes.
public enum ResultLogFormat {
    public static func encode(_ header: ResultHeader, _ content: ResultContent) -> [UInt8] {
        var out = ""
        let common = commonFields(header)
        switch content {
        case .differential(let diff):
            for row in diff.added { out += "{" + common + ",\"columns\":" + object(row) + ",\"action\":\"added\"}\n" }
            for row in diff.removed { out += "{" + common + ",\"columns\":" + object(row) + ",\"action\":\"removed\"}\n" }
        case .snapshot(let rows):
            out += "{" + common + ",\"snapshot\":[" + rows.map(object).joined(separator: ",") + "],\"action\":\"snapshot\"}\n"
        }
        return Array(out.utf8)
    }

    static func commonFields(_ h: ResultHeader) -> String {
        "\"name\":\(JSON.string(h.name)),\"hostIdentifier\":\(JSON.string(h.hostIdentifier))"
            + ",\"calendarTime\":\"\(calendarTime(h.unixTime))\",\"unixTime\":\(h.unixTime)"
            + ",\"epoch\":\(h.epoch),\"counter\":\(h.counter),\"numerics\":false"
            + ",\"decorations\":\(object(h.decorations))"
    }

    static func object(_ row: [String: String]) -> String {
        "{" + row.sorted { $0.key < $1.key }.map { JSON.string($0.key) + ":" + JSON.string($0.value) }.joined(separator: ",") + "}"
    }

    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// osquery's calendarTime: asctime(3) of UTC plus " UTC", "Sat Nov 21 21:08:51 2026 UTC"
    /// (the day of the month is padded with a space, as asctime pads it).
    public static func calendarTime(_ unixTime: Int64) -> String {
        var t = time_t(unixTime)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let day = parts.tm_mday < 10 ? " \(parts.tm_mday)" : "\(parts.tm_mday)"
        return "\(weekdays[Int(parts.tm_wday)]) \(months[Int(parts.tm_mon)]) \(day) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) \(parts.tm_year + 1900) UTC"
    }
}
