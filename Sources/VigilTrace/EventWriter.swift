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

    public init(out: Output, format: TraceFormat) {
        self.out = out
        self.format = format
        bootToRealtimeNanoseconds = Clock.realtimeNanoseconds() - Clock.boottimeNanoseconds()
    }

    public func write(_ e: ProcessEvent) {
        let wall = Int64(e.bootTimeNanoseconds) + bootToRealtimeNanoseconds
        switch format {
        case .json: out.line(json(e, wall: wall))
        case .human: out.line(human(e, wall: wall))
        }
    }

    public func flush() { out.flush() }

    func json(_ e: ProcessEvent, wall: Int64) -> String {
        var s = "{\"time\":\(JSON.string(Clock.iso8601(nanoseconds: wall))),\"time_ns\":\(wall),\"event\":\"\(e.kind.rawValue)\""
        s += ",\"pid\":\(e.pid),\"tid\":\(e.tid),\"ppid\":\(e.ppid),\"uid\":\(e.uid),\"gid\":\(e.gid)"
        s += ",\"cgroup_id\":\(e.cgroupID),\"comm\":\(JSON.string(e.comm))"
        switch e.kind {
        case .exec:
            s += ",\"filename\":\(JSON.string(e.filename)),\"argv\":[\(e.argv.map(JSON.string).joined(separator: ","))]"
            s += ",\"args_truncated\":\(e.argsTruncated)"
        case .fork:
            s += ",\"child_pid\":\(e.childPID)"
        case .exit:
            s += ",\"exit_code\":\(e.exitCode.map(String.init) ?? "null"),\"signal\":\(e.signal.map(String.init) ?? "null")"
            s += ",\"lifetime_ns\":\(e.lifetimeNanoseconds)"
        }
        return s + "}"
    }

    func human(_ e: ProcessEvent, wall: Int64) -> String {
        let time = Clock.iso8601(nanoseconds: wall).dropFirst(11).prefix(12)  // HH:MM:SS.mmm
        let head = "\(time) \(e.kind.rawValue.padding(5)) pid=\(e.pid) ppid=\(e.ppid) uid=\(e.uid) \(e.comm)"
        switch e.kind {
        case .exec: return head + " → " + e.filename + " " + e.argv.dropFirst().joined(separator: " ") + (e.argsTruncated ? " …" : "")
        case .fork: return head + " child=\(e.childPID)"
        case .exit:
            let how = e.signal.map { "signal \($0)" } ?? "code \(e.exitCode ?? 0)"
            return head + " \(how) after \(Double(e.lifetimeNanoseconds / 1_000_000) / 1000) s"
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
