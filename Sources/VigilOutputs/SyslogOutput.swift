import Glibc
import VigilSystem

/// `syslog`: each record as one datagram on the local syslog socket (`/dev/log`), in the
/// RFC 3164 form glibc's syslog(3) sends (`<PRI>Mmm dd hh:mm:ss vigil[PID]: JSON`), so
/// rsyslog and journald read it as they read any program's syslog(3) messages.
///
/// Why not syslog(3) itself: it blocks the caller while the socket is full, and a message
/// too large for the socket is lost without a word. Here sends never wait (MSG_DONTWAIT):
/// a full socket leaves the rest queued for the next attempt, and a record the socket
/// can never take (EMSGSIZE) is dropped and counted with the reason.
public final class SyslogOutput: RecordOutput {
    public let kind = OutputKind.syslog
    public let path: String
    /// osquery's `logger_syslog_facility`: 0–23 (19 is local3).
    public let facility: Int
    public let maxPendingBytes: Int64
    private var fd: Int32 = -1
    /// Records of an item already sent when the socket filled up in its middle, so that
    /// they are not sent twice while this process lives.
    private var partial: (id: Int64, sent: Int)?

    /// LOG_INFO.
    static let severity = 6

    public init(path: String = "/dev/log", facility: Int = 19, maxPendingBytes: Int64 = OutputDefaults.maxPendingBytes) {
        self.path = path
        self.facility = facility
        self.maxPendingBytes = maxPendingBytes
    }

    deinit { if fd >= 0 { close(fd) } }

    /// `<PRI>`'s number: facility × 8 + severity.
    public var priority: Int { facility * 8 + Self.severity }

    public func send(_ items: [OutboxItem]) -> OutputProgress {
        var progress = OutputProgress()
        if fd < 0 {
            do { try connect() } catch {
                progress.error = error.description
                return progress
            }
        }
        let header = Array(Self.header(priority: priority, time: time(nil), pid: getpid()).utf8)
        for item in items {
            let records = item.records
            var index = partial?.id == item.id ? partial!.sent : 0
            while index < records.count {
                let message = header + records[index]
                let n = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
                if n >= 0 {
                    progress.records += 1
                    progress.bytes += records[index].count
                    index += 1
                    continue
                }
                let failure = SystemError("send", path: path)
                switch failure.errno {
                case EINTR:
                    continue
                case EMSGSIZE:
                    // Larger than the socket's send buffer: no retry can succeed.
                    progress.dropped += 1
                    progress.error = "dropped a record of \(message.count) bytes: larger than the syslog socket takes (EMSGSIZE)"
                    index += 1
                case EAGAIN, ENOBUFS:
                    // The syslog daemon is behind: flow control, not an error; the rest
                    // waits for the next attempt (and shows in pending_records).
                    partial = (item.id, index)
                    return progress
                default:
                    // The daemon went away or restarted (ECONNREFUSED, ENOTCONN): connect again next time.
                    close(fd)
                    fd = -1
                    partial = (item.id, index)
                    progress.error = failure.description
                    return progress
                }
            }
            partial = nil
            progress.through = item.id
        }
        return progress
    }

    private func connect() throws(SystemError) {
        let socket = try retryingEINTR("socket") { Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0) }
        var address = try UnixAddress.make(path)
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if r != 0 {
            let failure = SystemError("connect", path: path)
            close(socket)
            throw failure
        }
        fd = socket
    }

    /// `<PRI>Mmm dd hh:mm:ss vigil[PID]: ` in local time, as glibc's syslog(3) writes it
    /// (strftime "%h %e %T"; the day padded with a space).
    static func header(priority: Int, time: time_t, pid: Int32) -> String {
        var t = time
        var parts = tm()
        localtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%h %e %T", &parts)
        let stamp = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "<\(priority)>\(stamp) vigil[\(pid)]: "
    }
}
