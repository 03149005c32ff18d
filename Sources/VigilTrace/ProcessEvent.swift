import CVigilBPF

/// A process event: exec (also a failed one), fork or exit.
public struct ProcessEvent: Sendable, Equatable {
    public var kind: EventKind
    public var header: EventHeader
    // exec
    public var filename: String = ""
    public var argv: [String] = []
    public var argsTruncated = false
    /// The executable's absolute path as the kernel resolved it (empty for a failed exec).
    public var exe: String = ""
    /// 0 for an exec that succeeded; the negative errno of one that failed.
    public var ret: Int64 = 0
    // fork
    public var childPID: UInt32 = 0
    // exit
    /// Exit code when the process exited normally; nil when a signal ended it.
    public var exitCode: Int32?
    /// The signal that ended it, if one did.
    public var signal: Int32?
    public var lifetimeNanoseconds: UInt64 = 0

    public init(kind: EventKind, header: EventHeader) {
        self.kind = kind
        self.header = header
    }

    public var pid: UInt32 { header.pid }
    public var ppid: UInt32 { header.ppid }
    public var comm: String { header.comm }
}

/// Decodes records of the process sensor in place (no copy of the C struct).
enum ProcessEventDecoder {
    static func decode(_ record: UnsafeRawBufferPointer) -> ProcessEvent? {
        guard record.count >= EventHeader.size, let base = record.baseAddress else { return nil }
        let raw = base.assumingMemoryBound(to: vigil_event_header.self).pointee.kind
        switch raw {
        case UInt32(VIGIL_EVENT_EXEC.rawValue):
            guard record.count >= MemoryLayout<vigil_exec_event>.size else { return nil }
            var event = ProcessEvent(kind: .exec, header: EventHeader(base))
            let e = base.assumingMemoryBound(to: vigil_exec_event.self)
            let filenameLength = min(Int(e.pointee.filename_len), Int(VIGIL_FILENAME_LEN))
            event.filename = String(decoding: UnsafeRawBufferPointer(start: base + offset(\.filename), count: filenameLength), as: UTF8.self)
            let argsLength = min(Int(e.pointee.args_len), Int(VIGIL_ARGS_MAX))
            event.argv = splitArguments(UnsafeRawBufferPointer(start: base + offset(\.args), count: argsLength))
            event.argsTruncated = e.pointee.args_truncated != 0
            let exeLength = min(Int(e.pointee.exe_len), Int(VIGIL_FILENAME_LEN))
            event.exe = String(decoding: UnsafeRawBufferPointer(start: base + offset(\.exe), count: exeLength), as: UTF8.self)
            return event
        case UInt32(VIGIL_EVENT_FORK.rawValue):
            guard record.count >= MemoryLayout<vigil_fork_event>.size else { return nil }
            var event = ProcessEvent(kind: .fork, header: EventHeader(base))
            event.childPID = base.assumingMemoryBound(to: vigil_fork_event.self).pointee.child_pid
            return event
        case UInt32(VIGIL_EVENT_EXIT.rawValue):
            guard record.count >= MemoryLayout<vigil_exit_event>.size else { return nil }
            var event = ProcessEvent(kind: .exit, header: EventHeader(base))
            let e = base.assumingMemoryBound(to: vigil_exit_event.self)
            let status = e.pointee.exit_code
            if status & 0x7f == 0 { event.exitCode = (status >> 8) & 0xff } else { event.signal = status & 0x7f }
            event.lifetimeNanoseconds = e.pointee.lifetime_ns
            return event
        default:
            return nil
        }
    }

    /// NUL-separated argv bytes → arguments (a trailing NUL ends the last one).
    static func splitArguments(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var out: [String] = []
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0 {
            out.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
            start = i + 1
        }
        if start < bytes.count { out.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start...]), as: UTF8.self)) }
        return out
    }

    static func offset(_ field: PartialKeyPath<vigil_exec_event>) -> Int {
        MemoryLayout<vigil_exec_event>.offset(of: field)!
    }
}
