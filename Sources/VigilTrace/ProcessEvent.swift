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
            guard ExecRecord.isWhole(record) else { return nil }
            var event = ProcessEvent(kind: .exec, header: EventHeader(base))
            event.filename = String(decoding: ExecRecord.filename(base), as: UTF8.self)
            ExecRecord.forEachArgument(base) { event.argv.append(String(decoding: $0, as: UTF8.self)) }
            event.argsTruncated = base.assumingMemoryBound(to: vigil_exec_event.self).pointee.args_truncated != 0
            event.exe = String(decoding: ExecRecord.executable(base), as: UTF8.self)
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

}

/// The variable parts of an exec record (a vigil_exec_event at `base`, whole up to
/// its argv), as the decoder and the JSON encoder both read them.
enum ExecRecord {
    /// Whether the record holds its fixed fields and the argv it says it has: records
    /// sent only for the process cache end where argv would start.
    static func isWhole(_ record: UnsafeRawBufferPointer) -> Bool {
        guard record.count >= argsOffset, let base = record.baseAddress else { return false }
        let argsLength = Int(base.assumingMemoryBound(to: vigil_exec_event.self).pointee.args_len)
        return argsLength <= Int(VIGIL_ARGS_MAX) && record.count >= argsOffset + argsLength
    }

    /// The file name as passed to execve.
    static func filename(_ base: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let e = base.assumingMemoryBound(to: vigil_exec_event.self)
        return UnsafeRawBufferPointer(start: base + filenameOffset, count: min(Int(e.pointee.filename_len), Int(VIGIL_FILENAME_LEN)))
    }

    /// The executable's absolute path as the kernel resolved it (empty when unknown).
    static func executable(_ base: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let e = base.assumingMemoryBound(to: vigil_exec_event.self)
        return UnsafeRawBufferPointer(start: base + exeOffset, count: min(Int(e.pointee.exe_len), Int(VIGIL_FILENAME_LEN)))
    }

    /// Each argument's bytes, in order: NUL-separated, a trailing NUL ending the last
    /// (a cut argv's last argument has none).
    static func forEachArgument(_ base: UnsafeRawPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        let e = base.assumingMemoryBound(to: vigil_exec_event.self)
        let bytes = UnsafeRawBufferPointer(start: base + argsOffset, count: min(Int(e.pointee.args_len), Int(VIGIL_ARGS_MAX)))
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0 {
            body(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
            start = i + 1
        }
        if start < bytes.count { body(UnsafeRawBufferPointer(rebasing: bytes[start...])) }
    }

    static let filenameOffset = MemoryLayout<vigil_exec_event>.offset(of: \.filename)!
    static let exeOffset = MemoryLayout<vigil_exec_event>.offset(of: \.exe)!
    static let argsOffset = MemoryLayout<vigil_exec_event>.offset(of: \.args)!
}
