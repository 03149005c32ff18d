import VigilSystem

/// How `vigil trace` prints events.
public enum TraceFormat: String, Sendable, CaseIterable {
    case human, json
}

/// Writes process events as JSON lines (schema in docs/events.md) or as one human line each.
public final class EventWriter {
    let out: Output
    let format: TraceFormat
    /// CLOCK_REALTIME minus CLOCK_BOOTTIME, to turn kernel timestamps into wall time.
    let bootToRealtimeNanoseconds: Int64

    /// Fills in each event's process (exe, ancestry).
    let cache: ProcessCache
    let includeAncestry: Bool

    public init(out: Output, format: TraceFormat, cache: ProcessCache, includeAncestry: Bool = false) {
        self.out = out
        self.format = format
        self.cache = cache
        self.includeAncestry = includeAncestry
        bootToRealtimeNanoseconds = Clock.realtimeNanoseconds() - Clock.boottimeNanoseconds()
    }

    private let line = JSONLine()

    public func write(_ e: ProcessEvent) {
        cache.apply(e)
        defer { cache.forget(e) }
        let wall = Int64(e.bootTimeNanoseconds) + bootToRealtimeNanoseconds
        switch format {
        case .json:
            encode(e, wall: wall)
            out.write(bytes: line.buffer)
        case .human:
            out.line(human(e, wall: wall))
        }
    }

    public func flush() { out.flush() }

    /// One JSON line per event; field names and types are documented in docs/events.md.
    func encode(_ e: ProcessEvent, wall: Int64) {
        line.begin()
        line.timeField("time", nanoseconds: wall)
        line.field("time_ns", wall)
        line.field("event", e.kind.rawValue)
        line.field("pid", e.pid)
        line.field("tid", e.tid)
        line.field("ppid", e.ppid)
        line.field("uid", e.uid)
        line.field("gid", e.gid)
        line.field("cgroup_id", e.cgroupID)
        line.field("comm", e.comm)
        line.field("exe", cache[e.pid]?.exe ?? "")
        if includeAncestry {
            line.rawField("ancestors") { l in
                l.append(raw: "[")
                for (i, a) in cache.ancestors(of: e.pid).enumerated() {
                    l.append(raw: i == 0 ? "{" : ",{")
                    l.member("pid", a.pid, first: true)
                    l.member("comm", a.comm)
                    l.member("exe", a.exe)
                    l.append(raw: "}")
                }
                l.append(raw: "]")
            }
        }
        switch e.kind {
        case .exec:
            line.field("filename", e.filename)
            line.field("argv", e.argv)
            line.field("args_truncated", e.argsTruncated)
        case .fork:
            line.field("child_pid", e.childPID)
        case .exit:
            line.field("exit_code", e.exitCode)
            line.field("signal", e.signal)
            line.field("lifetime_ns", e.lifetimeNanoseconds)
        }
        line.end()
    }

    func human(_ e: ProcessEvent, wall: Int64) -> String {
        let time = Clock.iso8601(nanoseconds: wall).dropFirst(11).prefix(12)  // HH:MM:SS.mmm
        var head = "\(time) \(e.kind.rawValue.padded(to: 5)) pid=\(e.pid) ppid=\(e.ppid) uid=\(e.uid) \(e.comm)"
        if includeAncestry {
            head += " [" + cache.ancestors(of: e.pid).map { "\($0.comm):\($0.pid)" }.joined(separator: " < ") + "]"
        }
        switch e.kind {
        case .exec: return head + " → " + e.filename + " " + e.argv.dropFirst().joined(separator: " ") + (e.argsTruncated ? " …" : "")
        case .fork: return head + " child=\(e.childPID)"
        case .exit:
            let how = e.signal.map { "signal \($0)" } ?? "code \(e.exitCode ?? 0)"
            return head + " \(how) after \(Self.duration(e.lifetimeNanoseconds))"
        }
    }
}

extension EventWriter {
    /// "850 µs", "12.3 ms", "4.56 s": enough digits to read at a glance.
    static func duration(_ ns: UInt64) -> String {
        if ns < 1_000_000 { return "\(ns / 1000) µs" }
        if ns < 1_000_000_000 { return "\(Double(ns / 100_000) / 10) ms" }
        return "\(Double(ns / 10_000_000) / 100) s"
    }
}
