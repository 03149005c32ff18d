import VigilSystem

/// How `vigil trace` prints events.
public enum TraceFormat: String, Sendable, CaseIterable {
    case human, json
}

/// Writes events as JSON lines (schema in docs/events.md) or as one human line each.
public final class EventWriter {
    let out: Output
    let format: TraceFormat
    /// CLOCK_REALTIME minus CLOCK_BOOTTIME, to turn kernel timestamps into wall time.
    let bootToRealtimeNanoseconds: Int64
    /// For ancestry.
    let cache: ProcessCache
    let includeAncestry: Bool
    private let line = JSONLine()

    public init(out: Output, format: TraceFormat, cache: ProcessCache, includeAncestry: Bool = false) {
        self.out = out
        self.format = format
        self.cache = cache
        self.includeAncestry = includeAncestry
        bootToRealtimeNanoseconds = Clock.realtimeNanoseconds() - Clock.boottimeNanoseconds()
    }

    /// Writes one event; `exe` is its process's executable (from the process cache).
    public func write(_ event: TraceEvent, exe: String? = nil, alerts: [Alert] = [], denial: Denial? = nil) {
        let wall = Int64(event.header.bootTimeNanoseconds) + bootToRealtimeNanoseconds
        switch format {
        case .json:
            encode(event, wall: wall, exe: exe, alerts: alerts, denial: denial)
            out.write(bytes: line.buffer)
        case .human:
            let text = human(event, wall: wall, alerts: alerts)
            out.line(denial.map { "DENIED by \($0.rule) (\($0.mechanism)): " + text } ?? text)
        }
    }

    /// Writes a syscall-sensor record (syscall, open, read, write) as its JSON line
    /// straight from the record; false when it must take the decoded path instead
    /// (human format, ancestry, or a record the fast encoder cannot read).
    func writeRecord(_ record: UnsafeRawBufferPointer, kind: EventKind, bootTime: UInt64, quotedExe: UnsafeRawBufferPointer,
                     encoder: SyscallRecordEncoder) -> Bool {
        guard writesRecords else { return false }
        let wall = Int64(bootTime) + bootToRealtimeNanoseconds
        guard encoder.encode(record, kind: kind, wall: wall, quotedExe: quotedExe, into: line) else { return false }
        out.write(bytes: line.buffer)
        return true
    }

    /// Whether records can be written without decoding them (JSON without ancestry).
    var writesRecords: Bool { format == .json && !includeAncestry }

    /// Writes an exec, fork or exit record (see ProcessRecordEncoder.kind) as its JSON line.
    func writeProcessRecord(_ base: UnsafeRawPointer, kind: EventKind, bootTime: UInt64, quotedExe: UnsafeRawBufferPointer) {
        ProcessRecordEncoder.encode(base, kind: kind, wall: Int64(bootTime) + bootToRealtimeNanoseconds, quotedExe: quotedExe, into: line)
        out.write(bytes: line.buffer)
    }

    /// A line written as is (aggregates).
    public func writeLine(_ text: String) { out.line(text) }

    public func flush() { out.flush() }

    /// The last line encoded (tests).
    var lineBytes: [UInt8] { line.bytes }

    func wallTime(_ header: EventHeader) -> Int64 { Int64(header.bootTimeNanoseconds) + bootToRealtimeNanoseconds }
}

// MARK: - JSON lines

extension EventWriter {
    /// One JSON line per event; field names and types are documented in docs/events.md.
    func encode(_ event: TraceEvent, wall: Int64, exe: String? = nil, alerts: [Alert] = [], denial: Denial? = nil) {
        let h = event.header
        line.begin()
        line.timeField("time", nanoseconds: wall)
        line.field("time_ns", wall)
        line.field("event", event.kind.rawValue)
        line.field("pid", h.pid)
        line.field("tid", h.tid)
        line.field("ppid", h.ppid)
        line.field("uid", h.uid)
        line.field("gid", h.gid)
        line.field("cgroup_id", h.cgroupID)
        line.field("comm", h.comm)
        if case .network(let n) = event, !n.ownerKnown { line.field("exe", "") } else { line.field("exe", exe ?? h.exe) }
        if includeAncestry { encodeAncestry(h.pid) }
        if !alerts.isEmpty {
            line.rawField("alerts") { l in
                l.append(raw: "[")
                for (i, a) in alerts.enumerated() {
                    l.append(raw: i == 0 ? "{" : ",{")
                    l.member("rule", a.rule, first: true)
                    l.member("severity", a.severity.rawValue)
                    l.append(raw: "}")
                }
                l.append(raw: "]")
            }
        }
        if let denial {
            line.rawField("denied") { l in
                l.append(raw: "{")
                l.member("rule", denial.rule, first: true)
                l.member("mechanism", denial.mechanism)
                l.append(raw: "}")
            }
        }
        switch event {
        case .process(let e): encodeProcess(e)
        case .syscall(let e): encodeSyscall(e)
        case .network(let e): encodeNetwork(e)
        }
        line.end()
    }

    func encodeAncestry(_ pid: UInt32) {
        line.rawField("ancestors") { l in
            l.append(raw: "[")
            for (i, a) in cache.ancestors(of: pid).enumerated() {
                l.append(raw: i == 0 ? "{" : ",{")
                l.member("pid", a.pid, first: true)
                l.member("comm", a.comm)
                l.member("exe", a.exe)
                l.append(raw: "}")
            }
            l.append(raw: "]")
        }
    }

    func encodeProcess(_ e: ProcessEvent) {
        switch e.kind {
        case .exec:
            line.field("filename", e.filename)
            line.field("argv", e.argv)
            line.field("args_truncated", e.argsTruncated)
            line.field("ret", e.ret)
            if e.ret < 0 { line.field("error", ErrnoName.name(-e.ret)) } else { line.field("error", Int?.none) }
        case .fork:
            line.field("child_pid", e.childPID)
        default:
            line.field("exit_code", e.exitCode)
            line.field("signal", e.signal)
            line.field("lifetime_ns", e.lifetimeNanoseconds)
        }
    }

    func encodeSyscall(_ e: SyscallEvent) {
        line.field("syscall", e.syscall)
        switch e.kind {
        case .open:
            line.field("path", e.openPath)
            line.field("resolved_path", e.resolvedPath ?? "")
            line.field("dirfd", e.openDirectoryFD)
            line.field("flags", e.openFlags)
            line.field("mode", e.openMode)
            line.field("ret", e.ret)
            encodeError(e.error)
            line.field("path_truncated", e.openPathTruncated || e.resolvedPathTruncated)
            line.field("killed", e.killed)
        case .read, .write:
            line.field("fd", e.fd)
            line.field("path", e.resolvedPath ?? "")
            line.field("bytes", e.bytes)
            line.field("requested", e.requested)
            encodeError(e.error)
        default:
            line.field("ret", e.ret)
            encodeError(e.error)
            line.field("duration_ns", e.durationNanoseconds)
            line.rawField("args") { l in
                l.append(raw: "{")
                for (i, a) in e.arguments.enumerated() {
                    switch a.value {
                    case .integer(let v): l.member(named: a.name, v, first: i == 0)
                    case .string(let s): l.member(named: a.name, s, first: i == 0)
                    }
                }
                l.append(raw: "}")
            }
            line.field("truncated", e.truncated)
            line.field("killed", e.killed)
        }
    }

    func encodeNetwork(_ e: NetworkEvent) {
        line.field("family", e.family)
        line.field("saddr", e.sourceAddress)
        line.field("sport", e.sourcePort)
        line.field("daddr", e.destinationAddress)
        line.field("dport", e.destinationPort)
        if e.kind == .connect { encodeError(e.error) }
        if e.kind == .close {
            line.field("bytes_sent", e.bytesSent)
            line.field("bytes_received", e.bytesReceived)
            line.field("duration_ns", e.durationNanoseconds)
        }
    }

    func encodeError(_ error: String?) {
        if let error { line.field("error", error) } else { line.field("error", Int?.none) }
    }
}

// MARK: - Human lines

extension EventWriter {
    func human(_ event: TraceEvent, wall: Int64, alerts: [Alert] = []) -> String {
        let h = event.header
        let time = Clock.iso8601(nanoseconds: wall).dropFirst(11).prefix(12)  // HH:MM:SS.mmm
        var head = "\(time) \(event.kind.rawValue.padded(to: 7)) pid=\(h.pid) ppid=\(h.ppid) uid=\(h.uid) \(h.comm)"
        if includeAncestry {
            head += " [" + cache.ancestors(of: h.pid).map { "\($0.comm):\($0.pid)" }.joined(separator: " < ") + "]"
        }
        for a in alerts { head = "ALERT \(a.severity.rawValue) \(a.rule): " + head }
        return head + " " + body(event)
    }

    func body(_ event: TraceEvent) -> String {
        switch event {
        case .process(let e):
            switch e.kind {
            case .exec where e.ret < 0: return "→ \(e.filename) failed: \(ErrnoName.name(-e.ret))"
            case .exec: return "→ " + e.filename + " " + e.argv.dropFirst().joined(separator: " ") + (e.argsTruncated ? " …" : "")
            case .fork: return "child=\(e.childPID)"
            default:
                let how = e.signal.map { "signal \($0)" } ?? "code \(e.exitCode ?? 0)"
                return "\(how) after \(Self.duration(e.lifetimeNanoseconds))"
            }
        case .syscall(let e):
            let result = e.error ?? "\(e.ret)"
            let killed = e.killed ? " [killed]" : ""
            switch e.kind {
            case .open:
                let resolved = e.resolvedPath.map { $0 == e.openPath ? "" : " (\($0))" } ?? ""
                return "\(e.syscall) \(e.openPath)\(resolved) = \(result)\(killed)"
            case .read, .write:
                return "\(e.syscall) fd=\(e.fd) \(e.resolvedPath ?? "") = \(result)"
            default:
                let args = e.arguments.map { a -> String in
                    switch a.value {
                    case .integer(let v): return "\(a.name)=\(v)"
                    case .string(let s): return "\(a.name)=\"\(s)\"" + (e.truncated.contains(a.name) ? "…" : "")
                    }
                }
                let took = e.durationNanoseconds.map { " in " + Self.duration($0) } ?? ""
                return "\(e.syscall)(\(args.joined(separator: ", "))) = \(result)\(took)\(killed)"
            }
        case .network(let e):
            let tuple = "\(Self.endpoint(e.sourceAddress, e.sourcePort)) → \(Self.endpoint(e.destinationAddress, e.destinationPort))"
            switch e.kind {
            case .connect: return tuple + (e.error.map { " failed: \($0)" } ?? "")
            case .close:
                return tuple + " sent \(e.bytesSent) B, received \(e.bytesReceived) B in \(Self.duration(e.durationNanoseconds))"
            default: return tuple
            }
        }
    }

    static func endpoint(_ address: String, _ port: UInt16) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// "850 µs", "12.3 ms", "4.56 s": enough digits to read at a glance.
    static func duration(_ ns: UInt64) -> String {
        if ns < 1_000_000 { return "\(ns / 1000) µs" }
        if ns < 1_000_000_000 { return "\(Double(ns / 100_000) / 10) ms" }
        return "\(Double(ns / 10_000_000) / 100) s"
    }
}
