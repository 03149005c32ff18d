import CVigilBPF
import VigilSystem

/// Writes exec, fork and exit records as JSON lines straight from the kernel's record:
/// no ProcessEvent, no Strings for the filename or each argument. Its output is the
/// same as EventWriter.encode's, byte for byte (a test compares them).
enum ProcessRecordEncoder {
    /// The record's event kind when it is a whole exec, fork or exit record.
    static func kind(_ record: UnsafeRawBufferPointer) -> EventKind? {
        guard record.count >= EventHeader.size, let base = record.baseAddress else { return nil }
        switch vigil_event_kind(rawValue: base.assumingMemoryBound(to: vigil_event_header.self).pointee.kind) {
        case VIGIL_EVENT_EXEC where ExecRecord.isWhole(record): return .exec
        case VIGIL_EVENT_FORK where record.count >= MemoryLayout<vigil_fork_event>.size: return .fork
        case VIGIL_EVENT_EXIT where record.count >= MemoryLayout<vigil_exit_event>.size: return .exit
        default: return nil
        }
    }

    /// A record `kind(_:)` accepted, as one JSON line in `line`.
    static func encode(_ base: UnsafeRawPointer, kind: EventKind, wall: Int64, quotedExe: UnsafeRawBufferPointer, into line: JSONLine) {
        RecordHeaderEncoder.write(base.assumingMemoryBound(to: vigil_event_header.self), kind: kind, wall: wall,
                                  quotedExe: quotedExe, into: line)
        switch kind {
        case .exec:
            let e = base.assumingMemoryBound(to: vigil_exec_event.self)
            line.raw(",\"filename\":"); line.appendQuoted(bytes: ExecRecord.filename(base))
            line.raw(",\"argv\":[")
            var first = true
            ExecRecord.forEachArgument(base) { argument in
                if !first { line.raw(",") }
                first = false
                line.appendQuoted(bytes: argument)
            }
            line.raw("]")
            line.raw(e.pointee.args_truncated != 0 ? ",\"args_truncated\":true" : ",\"args_truncated\":false")
            line.raw(",\"ret\":0,\"error\":null")
        case .fork:
            line.raw(",\"child_pid\":")
            line.appendNumber(Int64(base.assumingMemoryBound(to: vigil_fork_event.self).pointee.child_pid))
        default:
            let e = base.assumingMemoryBound(to: vigil_exit_event.self)
            let status = e.pointee.exit_code
            if status & 0x7f == 0 {
                line.raw(",\"exit_code\":"); line.appendNumber(Int64((status >> 8) & 0xff)); line.raw(",\"signal\":null")
            } else {
                line.raw(",\"exit_code\":null,\"signal\":"); line.appendNumber(Int64(status & 0x7f))
            }
            line.raw(",\"lifetime_ns\":"); line.appendNumber(Int64(bitPattern: e.pointee.lifetime_ns))
        }
        line.raw("}\n")
    }
}
