import CLinux
import Glibc

/// A fanotify group (fanotify(7)) that receives permission events: the kernel holds
/// each watched open or exec until the group answers allow or deny. Owns its
/// descriptor: closing it (deinit, or the process dying) lets every pending and
/// future event through, so a dead listener cannot block the host.
public final class Fanotify {
    public let fd: Int32
    /// FAN_OPEN_PERM and FAN_OPEN_EXEC_PERM, the masks `mark` takes.
    public static let openPermission = UInt64(FAN_OPEN_PERM)
    public static let execPermission = UInt64(FAN_OPEN_EXEC_PERM)

    /// What a permission event asks about.
    public struct Event {
        /// The thread that opened or exec'd (FAN_REPORT_TID).
        public let tid: Int32
        /// FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM or both.
        public let mask: UInt64
        /// A descriptor of the file (owned by the caller of `events`; closed after the answer).
        public let fileFD: Int32
        public var isExec: Bool { mask & UInt64(FAN_OPEN_EXEC_PERM) != 0 }
        public var isOpen: Bool { mask & UInt64(FAN_OPEN_PERM) != 0 }
    }

    /// fanotify_init(FAN_CLASS_CONTENT | FAN_REPORT_TID, O_RDONLY): needs CAP_SYS_ADMIN
    /// and CONFIG_FANOTIFY_ACCESS_PERMISSIONS.
    public init() throws(SystemError) {
        let flags = UInt32(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID)
        let fd = fanotify_init(flags, UInt32(O_RDONLY | O_CLOEXEC) | 0o100000 /* O_LARGEFILE */)
        guard fd >= 0 else { throw SystemError("fanotify_init") }
        self.fd = fd
    }

    deinit { close(fd) }

    public enum Scope {
        /// The file or directory itself (with `children`: also the files in a directory).
        case inode(children: Bool)
        /// Every file of the filesystem that holds the path.
        case filesystem
        /// Every file of the mount that holds the path.
        case mount
    }

    /// fanotify_mark(FAN_MARK_ADD) for `mask` (FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM).
    public func mark(_ path: String, mask: UInt64, scope: Scope) throws(SystemError) {
        var flags = UInt32(FAN_MARK_ADD)
        var events = mask
        switch scope {
        case .inode(let children): if children { events |= UInt64(FAN_EVENT_ON_CHILD) }
        case .filesystem: flags |= UInt32(FAN_MARK_FILESYSTEM)
        case .mount: flags |= UInt32(FAN_MARK_MOUNT)
        }
        guard vigil_fanotify_mark(fd, flags, events, AT_FDCWD, path) == 0 else { throw SystemError("fanotify_mark", path: path) }
    }

    /// Reads the events queued now (none: an empty list; the descriptor never blocks).
    /// Every returned event with a file descriptor must be answered with `respond`.
    public func events(into buffer: UnsafeMutableRawBufferPointer) -> [Event] {
        let n = read(fd, buffer.baseAddress, buffer.count)
        guard n > 0 else { return [] }
        var out: [Event] = []
        var offset = 0
        let header = MemoryLayout<fanotify_event_metadata>.size
        while offset + header <= n {
            let m = buffer.loadUnaligned(fromByteOffset: offset, as: fanotify_event_metadata.self)
            guard m.event_len >= header, offset + Int(m.event_len) <= n else { break }
            out.append(Event(tid: m.pid, mask: m.mask, fileFD: m.fd))
            offset += Int(m.event_len)
        }
        return out
    }

    /// Answer a permission event (FAN_ALLOW, or FAN_DENY: the call fails with EPERM)
    /// and close its file descriptor.
    public func respond(_ event: Event, allow: Bool) {
        guard event.fileFD >= 0 else { return }
        var response = fanotify_response(fd: event.fileFD, response: UInt32(allow ? FAN_ALLOW : FAN_DENY))
        _ = withUnsafeBytes(of: &response) { write(fd, $0.baseAddress, $0.count) }
        close(event.fileFD)
    }

    /// Whether this kernel and these privileges give permission events.
    public static var available: Result<Void, SystemError> {
        Result { () throws(SystemError) in _ = try Fanotify() }
    }
}
