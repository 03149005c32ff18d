import CVigilBPF

/// Who caused an event and when: the common part of every kernel record.
public struct EventHeader: Sendable, Equatable {
    public var pid: UInt32
    public var tid: UInt32
    public var ppid: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var cgroupID: UInt64
    /// CLOCK_BOOTTIME nanoseconds, as the kernel stamped it.
    public var bootTimeNanoseconds: UInt64
    public var comm: String
    /// The process's executable, filled in from the process cache in user space.
    public var exe = ""

    public init(pid: UInt32, tid: UInt32, ppid: UInt32, uid: UInt32, gid: UInt32, cgroupID: UInt64,
                bootTimeNanoseconds: UInt64, comm: String) {
        self.pid = pid
        self.tid = tid
        self.ppid = ppid
        self.uid = uid
        self.gid = gid
        self.cgroupID = cgroupID
        self.bootTimeNanoseconds = bootTimeNanoseconds
        self.comm = comm
    }

    /// Reads the vigil_event_header at the start of a record.
    init(_ base: UnsafeRawPointer) {
        let h = base.assumingMemoryBound(to: vigil_event_header.self)
        self.init(
            pid: h.pointee.pid, tid: h.pointee.tid, ppid: h.pointee.ppid, uid: h.pointee.uid, gid: h.pointee.gid,
            cgroupID: h.pointee.cgroup_id, bootTimeNanoseconds: h.pointee.timestamp_ns,
            comm: RecordText.cString(base + MemoryLayout<vigil_event_header>.offset(of: \.comm)!, max: Int(VIGIL_COMM_LEN)))
    }

    static let size = MemoryLayout<vigil_event_header>.size
}

/// Text inside kernel records.
enum RecordText {
    static func cString(_ p: UnsafeRawPointer, max: Int) -> String {
        let bytes = UnsafeRawBufferPointer(start: p, count: max)
        let end = bytes.firstIndex(of: 0) ?? max
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }

    /// Captured bytes as text a person can read and JSON can carry: printable ASCII
    /// and valid UTF-8 as is, anything else as \xNN (as strace shows buffers).
    static func escapedBytes(_ bytes: UnsafeRawBufferPointer) -> String {
        if let text = String(validating: bytes, as: UTF8.self), !text.utf8.contains(where: { $0 < 0x20 && $0 != 0x0a && $0 != 0x09 }) {
            return text
        }
        var out = ""
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            if b >= 0x20 && b < 0x7f && b != 0x5c {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = String(b, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
