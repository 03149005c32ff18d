import CVigilBPF
import VigilSystem

/// The user-space path of every record: decode in place → process cache →
/// policy → output, counting what it saw. The ring buffer callback runs this; the
/// throughput benchmark feeds it records directly.
public final class TracePipeline {
    let decoder: EventDecoder
    let cache: ProcessCache
    let writer: EventWriter
    /// Rules: which events to write and which alerts they raise (nil: write all).
    let judge: ((TraceEvent) -> Verdict)?
    /// Deny rules in force: which failed calls they refused.
    let denials: DenialMatcher?
    /// Events seen, by kind (an array indexed by kind: a dictionary hashes on every event).
    /// This and the kept executable are touched for every record on the one thread that
    /// drains the ring: no runtime exclusivity checks (they were 8% of a process event).
    @exclusivity(unchecked) private var seen = [Int](repeating: 0, count: EventKind.allCases.count)
    public var counts: [EventKind: Int] { Self.byKind(seen) }
    public private(set) var undecodable = 0
    /// Events a policy chose not to write (counted, not lost), by kind.
    @exclusivity(unchecked) private var notWritten = [Int](repeating: 0, count: EventKind.allCases.count)
    public var filtered: [EventKind: Int] { Self.byKind(notWritten) }

    static func byKind(_ counts: [Int]) -> [EventKind: Int] {
        var out: [EventKind: Int] = [:]
        for (i, kind) in EventKind.allCases.enumerated() where counts[i] > 0 { out[kind] = counts[i] }
        return out
    }

    /// Writes syscall and file records without decoding them, when nothing needs the event.
    let fastEncoder: SyscallRecordEncoder

    /// Which of exec, fork and exit are written (indexed by kind); the others only
    /// update the process cache.
    private let writesProcessKind: [Bool]

    /// `processKinds`: the process events to write, of those the sensor sends (all by default).
    public init(decoder: EventDecoder, cache: ProcessCache, writer: EventWriter, judge: ((TraceEvent) -> Verdict)? = nil,
                processKinds: Set<EventKind> = [.exec, .fork, .exit], denials: DenialMatcher? = nil) {
        self.denials = denials
        writesProcessKind = EventKind.allCases.map { ![.exec, .fork, .exit].contains($0) || processKinds.contains($0) }
        self.decoder = decoder
        fastEncoder = SyscallRecordEncoder(catalog: decoder.syscalls.catalog)
        self.cache = cache
        self.writer = writer
        self.judge = judge
    }

    /// One ring buffer record, valid only during the call.
    public func consume(_ record: UnsafeRawBufferPointer) {
        // Without rules nothing needs the decoded event: the record is written as is.
        if judge == nil, writer.writesRecords, let base = record.baseAddress {
            if let kind = decoder.syscallKind(record) {
                let bootTime = base.assumingMemoryBound(to: vigil_event_header.self).pointee.timestamp_ns
                if writer.writeRecord(record, kind: kind, bootTime: bootTime, quotedExe: quotedExecutable(base), encoder: fastEncoder) {
                    seen[kind.index] += 1
                    return
                }
            } else if let kind = ProcessRecordEncoder.kind(record) {
                writeProcessRecord(base, kind: kind)
                return
            }
        }
        guard var event = decoder.decode(record) else {
            undecodable += 1
            return
        }
        if case .process(let p) = event {
            cache.apply(p)
            if p.kind == .exec { forgetExecutable() }
            if !writesProcessKind[p.kind.index] {
                if p.kind == .exit { cache.forget(p); forgetExecutable() }
                return
            }
        }
        seen[event.kind.index] += 1
        let exe = executable(of: event.header)
        if let judge {
            event.setExe(exe)
            let verdict = judge(event)
            // A kill or a denial is always reported, whatever else the rule says.
            var killed = false
            if case .syscall(let e) = event { killed = e.killed }
            let denial = denials?.denial(for: event, cache: cache)
            if verdict.write || killed || denial != nil {
                writer.write(event, exe: exe, alerts: verdict.alerts, denial: denial)
            } else {
                notWritten[event.kind.index] += 1
            }
        } else {
            writer.write(event, exe: exe)
        }
        if case .process(let p) = event, p.kind == .exit {
            cache.forget(p)
            forgetExecutable()
        }
    }

    /// Exec, fork and exit straight from the record: the process cache is updated as
    /// `ProcessCache.apply` does, and the line written as EventWriter.encode would.
    private func writeProcessRecord(_ base: UnsafeRawPointer, kind: EventKind) {
        let h = base.assumingMemoryBound(to: vigil_event_header.self)
        let (pid, ppid) = (h.pointee.pid, h.pointee.ppid)
        switch kind {
        case .fork:
            let child = base.assumingMemoryBound(to: vigil_fork_event.self).pointee.child_pid
            cache.forked(parent: pid, parentPPID: ppid, comm: Self.comm(base), child: child)
        case .exec:
            let resolved = ExecRecord.executable(base)
            let exe = String(decoding: resolved.isEmpty ? ExecRecord.filename(base) : resolved, as: UTF8.self)
            cache.execed(pid, ppid: ppid, comm: Self.comm(base), exe: exe)
            forgetExecutable()
        default:
            cache.exiting(pid, ppid: ppid, comm: Self.comm(base))
        }
        if writesProcessKind[kind.index] {
            writer.writeProcessRecord(base, kind: kind, bootTime: h.pointee.timestamp_ns, quotedExe: quotedExecutable(base))
            seen[kind.index] += 1
        }
        if kind == .exit {
            cache.forget(pid)
            forgetExecutable()
        }
    }

    static func comm(_ base: UnsafeRawPointer) -> String { RecordText.cString(base + commOffset, max: Int(VIGIL_COMM_LEN)) }

    /// The executable of the event's process. Bursts come from one process, so the
    /// last answer is kept; a changed comm means an exec, so it is asked again.
    func executable(of h: EventHeader) -> String {
        if lastValid && h.pid == lastPID && h.comm == lastComm { return lastExe }
        let exe = cache.current(h.pid, comm: h.comm)?.exe ?? ""
        (lastValid, lastPID, lastComm, lastExe) = (true, h.pid, h.comm, exe)
        return exe
    }

    /// An exec may keep the pid and the name but change the executable, and an exited
    /// pid may be reused: neither kept answer holds after one.
    func forgetExecutable() {
        lastValid = false
        quotedValid = false
    }

    /// The executable of the record's process as a JSON string, for the fast path:
    /// kept while records come from the same pid and comm, so a burst makes no String.
    func quotedExecutable(_ base: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let pid = base.assumingMemoryBound(to: vigil_event_header.self).pointee.pid
        let comm = (base.loadUnaligned(fromByteOffset: Self.commOffset, as: UInt64.self),
                    base.loadUnaligned(fromByteOffset: Self.commOffset + 8, as: UInt64.self))
        if !quotedValid || pid != quotedPID || comm != quotedComm {
            quotedExe.reset()
            quotedExe.appendQuoted(executable(of: EventHeader(base)))
            (quotedValid, quotedPID, quotedComm) = (true, pid, comm)
        }
        return quotedExe.buffer
    }

    private static let commOffset = MemoryLayout<vigil_event_header>.offset(of: \.comm)!
    private let quotedExe = JSONLine(capacity: 256)
    @exclusivity(unchecked) private var quotedValid = false
    @exclusivity(unchecked) private var quotedPID: UInt32 = 0
    @exclusivity(unchecked) private var quotedComm: (UInt64, UInt64) = (0, 0)

    @exclusivity(unchecked) private var lastValid = false
    @exclusivity(unchecked) private var lastPID: UInt32 = 0
    @exclusivity(unchecked) private var lastComm = ""
    @exclusivity(unchecked) private var lastExe = ""

    public func flush() { writer.flush() }
}
