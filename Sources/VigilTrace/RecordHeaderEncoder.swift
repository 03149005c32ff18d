import CVigilBPF
import VigilSystem

/// The fields every JSON line starts with, written straight from a kernel record's
/// header: the common part of the fast paths (syscall and process records), the same
/// bytes as EventWriter.encode writes from a decoded event.
enum RecordHeaderEncoder {
    static func write(_ h: UnsafePointer<vigil_event_header>, kind: EventKind, wall: Int64, quotedExe: UnsafeRawBufferPointer,
                      into line: JSONLine) {
        line.reset()
        line.raw("{\"time\":")
        line.appendTime(nanoseconds: wall, thenNumberAfter: ",\"time_ns\":")
        eventFragment(kind, into: line)
        line.raw(",\"pid\":"); line.appendNumber(Int64(h.pointee.pid))
        line.raw(",\"tid\":"); line.appendNumber(Int64(h.pointee.tid))
        line.raw(",\"ppid\":"); line.appendNumber(Int64(h.pointee.ppid))
        line.raw(",\"uid\":"); line.appendNumber(Int64(h.pointee.uid))
        line.raw(",\"gid\":"); line.appendNumber(Int64(h.pointee.gid))
        line.raw(",\"cgroup_id\":"); line.appendNumber(Int64(bitPattern: h.pointee.cgroup_id))
        line.raw(",\"comm\":")
        withUnsafeBytes(of: h.pointee.comm) { c in
            line.appendQuoted(bytes: UnsafeRawBufferPointer(rebasing: c[..<(c.firstIndex(of: 0) ?? c.count)]))
        }
        line.raw(",\"exe\":"); line.appendRaw(bytes: quotedExe)
    }

    static func eventFragment(_ kind: EventKind, into line: JSONLine) {
        switch kind {
        case .syscall: line.raw(",\"event\":\"syscall\"")
        case .open: line.raw(",\"event\":\"open\"")
        case .read: line.raw(",\"event\":\"read\"")
        case .write: line.raw(",\"event\":\"write\"")
        case .exec: line.raw(",\"event\":\"exec\"")
        case .fork: line.raw(",\"event\":\"fork\"")
        case .exit: line.raw(",\"event\":\"exit\"")
        default: line.appendRaw(bytes: Array(",\"event\":\"\(kind.rawValue)\"".utf8))
        }
    }
}
