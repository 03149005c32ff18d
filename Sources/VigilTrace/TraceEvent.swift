import CVigilBPF

/// Any event `vigil trace` reports.
public enum TraceEvent: Sendable, Equatable {
    case process(ProcessEvent)
    case syscall(SyscallEvent)
    case network(NetworkEvent)

    public var kind: EventKind {
        switch self {
        case .process(let e): return e.kind
        case .syscall(let e): return e.kind
        case .network(let e): return e.kind
        }
    }

    /// Sets the process's executable (for rules, which read it from the header).
    mutating func setExe(_ exe: String) {
        switch self {
        case .process(var e): e.header.exe = exe; self = .process(e)
        case .syscall(var e): e.header.exe = exe; self = .syscall(e)
        case .network(var e): e.header.exe = e.ownerKnown ? exe : ""; self = .network(e)
        }
    }

    public var header: EventHeader {
        switch self {
        case .process(let e): return e.header
        case .syscall(let e): return e.header
        case .network(let e): return e.header
        }
    }
}

/// Turns ring buffer records into events, whatever sensor wrote them.
public struct EventDecoder {
    let syscalls: SyscallEventDecoder

    public init(catalog: SyscallCatalog) { syscalls = SyscallEventDecoder(catalog: catalog) }

    /// The event kind of a syscall-sensor record (syscall, open, read, write), else nil.
    func syscallKind(_ record: UnsafeRawBufferPointer) -> EventKind? {
        guard record.count >= EventHeader.size, let base = record.baseAddress else { return nil }
        switch vigil_event_kind(rawValue: base.assumingMemoryBound(to: vigil_event_header.self).pointee.kind) {
        case VIGIL_EVENT_SYSCALL: return .syscall
        case VIGIL_EVENT_OPEN: return .open
        case VIGIL_EVENT_READ: return .read
        case VIGIL_EVENT_WRITE: return .write
        default: return nil
        }
    }

    public func decode(_ record: UnsafeRawBufferPointer) -> TraceEvent? {
        guard record.count >= EventHeader.size, let base = record.baseAddress else { return nil }
        let raw = base.assumingMemoryBound(to: vigil_event_header.self).pointee.kind
        switch vigil_event_kind(rawValue: raw) {
        case VIGIL_EVENT_EXEC, VIGIL_EVENT_FORK, VIGIL_EVENT_EXIT:
            return ProcessEventDecoder.decode(record).map(TraceEvent.process)
        case VIGIL_EVENT_SYSCALL: return syscalls.decode(record, kind: .syscall).map(TraceEvent.syscall)
        case VIGIL_EVENT_OPEN: return syscalls.decode(record, kind: .open).map(TraceEvent.syscall)
        case VIGIL_EVENT_READ: return syscalls.decode(record, kind: .read).map(TraceEvent.syscall)
        case VIGIL_EVENT_WRITE: return syscalls.decode(record, kind: .write).map(TraceEvent.syscall)
        case VIGIL_EVENT_EXEC_FAILED:
            // A failed execve/execveat: an exec event with the error and the path tried.
            guard let call = syscalls.decode(record, kind: .syscall) else { return nil }
            var e = ProcessEvent(kind: .exec, header: call.header)
            e.filename = call.string("filename") ?? ""
            e.ret = call.ret
            return .process(e)
        case VIGIL_EVENT_CONNECT: return NetworkEventDecoder.decode(record, kind: .connect).map(TraceEvent.network)
        case VIGIL_EVENT_ACCEPT: return NetworkEventDecoder.decode(record, kind: .accept).map(TraceEvent.network)
        case VIGIL_EVENT_CLOSE: return NetworkEventDecoder.decode(record, kind: .close).map(TraceEvent.network)
        default: return nil
        }
    }
}

extension EventKind {
    /// Position in allCases, for per-kind counters kept in arrays.
    var index: Int {
        switch self {
        case .exec: 0
        case .fork: 1
        case .exit: 2
        case .syscall: 3
        case .open: 4
        case .read: 5
        case .write: 6
        case .connect: 7
        case .accept: 8
        case .close: 9
        }
    }

    /// The kernel's record kind for this event kind (its loss counter index).
    var recordKind: UInt32 {
        switch self {
        case .exec: return UInt32(VIGIL_EVENT_EXEC.rawValue)
        case .fork: return UInt32(VIGIL_EVENT_FORK.rawValue)
        case .exit: return UInt32(VIGIL_EVENT_EXIT.rawValue)
        case .syscall: return UInt32(VIGIL_EVENT_SYSCALL.rawValue)
        case .open: return UInt32(VIGIL_EVENT_OPEN.rawValue)
        case .read: return UInt32(VIGIL_EVENT_READ.rawValue)
        case .write: return UInt32(VIGIL_EVENT_WRITE.rawValue)
        case .connect: return UInt32(VIGIL_EVENT_CONNECT.rawValue)
        case .accept: return UInt32(VIGIL_EVENT_ACCEPT.rawValue)
        case .close: return UInt32(VIGIL_EVENT_CLOSE.rawValue)
        }
    }
}
