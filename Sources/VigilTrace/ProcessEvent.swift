import CVigilBPF

/// A process event decoded from the ring buffer.
public struct ProcessEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case exec, fork, exit
        var raw: UInt32 {
            switch self {
            case .exec: return UInt32(VIGIL_PROCESS_EXEC.rawValue)
            case .fork: return UInt32(VIGIL_PROCESS_FORK.rawValue)
            case .exit: return UInt32(VIGIL_PROCESS_EXIT.rawValue)
            }
        }
    }

    public var kind: Kind
    public var pid: UInt32
    public var tid: UInt32
    public var ppid: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var cgroupID: UInt64
    /// CLOCK_BOOTTIME nanoseconds, as the kernel stamped it.
    public var bootTimeNanoseconds: UInt64
    public var comm: String
    // exec
    public var filename: String = ""
    public var argv: [String] = []
    public var argsTruncated = false
    // fork
    public var childPID: UInt32 = 0
    // exit
    /// Exit code when the process exited normally; nil when a signal ended it.
    public var exitCode: Int32?
    /// The signal that ended it, if one did.
    public var signal: Int32?
    public var lifetimeNanoseconds: UInt64 = 0
}

/// Decodes records of the process sensor in place (no copy of the C struct).
enum ProcessEventDecoder {
    static let headerSize = MemoryLayout<vigil_process_header>.size

    static func decode(_ record: UnsafeRawBufferPointer) -> ProcessEvent? {
        guard record.count >= headerSize, let base = record.baseAddress else { return nil }
        let h = base.assumingMemoryBound(to: vigil_process_header.self)
        let kindRaw = h.pointee.kind
        guard let kind = ProcessEvent.Kind.allCases.first(where: { $0.raw == kindRaw }) else { return nil }
        var event = ProcessEvent(
            kind: kind, pid: h.pointee.pid, tid: h.pointee.tid, ppid: h.pointee.ppid, uid: h.pointee.uid,
            gid: h.pointee.gid, cgroupID: h.pointee.cgroup_id, bootTimeNanoseconds: h.pointee.timestamp_ns,
            comm: cString(base + MemoryLayout<vigil_process_header>.offset(of: \.comm)!, max: Int(VIGIL_COMM_LEN)))
        switch kind {
        case .exec:
            guard record.count >= MemoryLayout<vigil_exec_event>.size else { return nil }
            let e = base.assumingMemoryBound(to: vigil_exec_event.self)
            let filenameLength = min(Int(e.pointee.filename_len), Int(VIGIL_FILENAME_LEN))
            event.filename = String(decoding: UnsafeRawBufferPointer(start: base + offset(\.filename), count: filenameLength), as: UTF8.self)
            let argsLength = min(Int(e.pointee.args_len), Int(VIGIL_ARGS_MAX))
            let args = UnsafeRawBufferPointer(start: base + offset(\.args), count: argsLength)
            event.argv = splitArguments(args)
            event.argsTruncated = e.pointee.args_truncated != 0
        case .fork:
            guard record.count >= MemoryLayout<vigil_fork_event>.size else { return nil }
            event.childPID = base.assumingMemoryBound(to: vigil_fork_event.self).pointee.child_pid
        case .exit:
            guard record.count >= MemoryLayout<vigil_exit_event>.size else { return nil }
            let e = base.assumingMemoryBound(to: vigil_exit_event.self)
            let status = e.pointee.exit_code
            if status & 0x7f == 0 { event.exitCode = (status >> 8) & 0xff } else { event.signal = status & 0x7f }
            event.lifetimeNanoseconds = e.pointee.lifetime_ns
        }
        return event
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

    static func cString(_ p: UnsafeRawPointer, max: Int) -> String {
        let bytes = UnsafeRawBufferPointer(start: p, count: max)
        let end = bytes.firstIndex(of: 0) ?? max
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }
}
