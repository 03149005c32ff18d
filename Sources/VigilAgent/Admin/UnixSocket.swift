import Glibc
import Synchronization
import VigilSystem

/// One connected or listening AF_UNIX stream socket (socket(2), bind(2), accept(2),
/// connect(2)). Every wait is a poll(2) with a deadline, so neither a silent peer nor
/// a slow reader can hold the thread that serves it; sends use MSG_NOSIGNAL, so a
/// peer that goes away is an error here and never a SIGPIPE that kills the worker.
final class UnixSocket {
    let fd: Int32
    /// Bytes read past the last line returned by `readLine`: `pending[consumed...]`
    /// (an index rather than removeFirst, so a chunk of many short lines is not
    /// shifted once per line).
    private var pending: [UInt8] = []
    private var consumed = 0

    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    static func make() throws(SystemError) -> UnixSocket {
        let fd = try retryingEINTR("socket") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0) }
        return UnixSocket(fd: fd)
    }

    static func address(_ path: String) throws(SystemError) -> sockaddr_un { try UnixAddress.make(path) }

    /// Bind to `path` and listen. The caller has removed any stale socket there.
    /// The mode is set before listen(2): until then a connect is refused, so no
    /// peer can get in through a wider mode in between.
    static func listen(at path: String, mode: mode_t) throws(SystemError) -> UnixSocket {
        let socket = try make()
        var address = try address(path)
        _ = try retryingEINTR("bind", path: path) {
            withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket.fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        }
        _ = try retryingEINTR("chmod", path: path) { chmod(path, mode) }
        _ = try retryingEINTR("listen", path: path) { Glibc.listen(socket.fd, 8) }
        // Non-blocking: a poll that reports the listener ready (also on shutdown) must
        // never leave accept(2) waiting.
        _ = fcntl(socket.fd, F_SETFL, fcntl(socket.fd, F_GETFL) | O_NONBLOCK)
        return socket
    }

    /// Connect to the socket at `path`.
    static func connect(to path: String) throws(SystemError) -> UnixSocket {
        let socket = try make()
        var address = try address(path)
        _ = try retryingEINTR("connect", path: path) {
            withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket.fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        }
        return socket
    }

    /// Wait up to `milliseconds` for `events` (POLLIN, POLLOUT); true when ready.
    func wait(_ events: Int32, milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(events), revents: 0)
        let n = poll(&p, 1, milliseconds)
        return n > 0 && p.revents != 0
    }

    /// accept(2) a waiting peer, or nil when none came within `milliseconds`.
    func accept(milliseconds: Int32) throws(SystemError) -> UnixSocket? {
        guard wait(Int32(POLLIN), milliseconds: milliseconds) else { return nil }
        // accept4 is hidden from Swift; the worker does not exec, so setting
        // FD_CLOEXEC just after accept leaves no window that matters.
        let fd = Glibc.accept(self.fd, nil, nil)
        if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        if fd < 0 {
            // The peer gave up between poll and accept, or a signal: not this socket's fault.
            if errno == EINTR || errno == EAGAIN || errno == ECONNABORTED { return nil }
            throw SystemError("accept")
        }
        return UnixSocket(fd: fd)
    }

    /// The connected peer's credentials (SO_PEERCRED: pid, uid, gid as the kernel saw
    /// them at connect), which a client cannot forge.
    func peerCredentials() throws(SystemError) -> (pid: Int32, uid: UInt32) {
        // struct ucred is three 32-bit fields: pid, uid, gid.
        var cred: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: cred))
        let rc = withUnsafeMutablePointer(to: &cred) { getsockopt(fd, SOL_SOCKET, SO_PEERCRED, $0, &length) }
        if rc != 0 { throw SystemError("getsockopt(SO_PEERCRED)") }
        return (cred.0, cred.1)
    }

    /// Why an I/O wait ended early.
    enum IOFailure: Error {
        case timedOut, closed, stopped, tooLong
        case system(SystemError)
    }

    /// One line (without its newline) of at most `limit` bytes, read before
    /// `deadline` (monotonic ns; nil: no deadline). `stop` ends the wait early.
    func readLine(limit: Int, deadline: Int64?, stop: () -> Bool = { false }) throws(IOFailure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let newline = pending[consumed...].firstIndex(of: UInt8(ascii: "\n")) {
                if newline - consumed > limit { throw .tooLong }
                let line = Array(pending[consumed..<newline])
                consumed = newline + 1
                return line
            }
            if pending.count - consumed > limit { throw .tooLong }
            pending.removeFirst(consumed)
            consumed = 0
            try waitReady(Int32(POLLIN), deadline: deadline, stop: stop)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { throw .closed }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .system(SystemError("recv"))
            }
            pending += buffer[..<n]
        }
    }

    /// Send every byte, waiting at most `idle` ns for the peer to make room each time
    /// and never past `deadline`.
    func send(_ bytes: [UInt8], idle: Int64, deadline: Int64? = nil, stop: () -> Bool = { false }) throws(IOFailure) {
        var done = 0
        while done < bytes.count {
            let giveUp = min(Clock.monotonicNanoseconds() + idle, deadline ?? .max)
            try waitReady(Int32(POLLOUT), deadline: giveUp, stop: stop)
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == EPIPE || errno == ECONNRESET { throw .closed }
                throw .system(SystemError("send"))
            }
            done += n
        }
    }

    /// Whether the peer has hung up (POLLRDHUP/POLLHUP), without blocking.
    var peerHungUp: Bool { Self.peerHungUp(fd) }

    static func peerHungUp(_ fd: Int32) -> Bool {
        // POLLRDHUP (0x2000) is hidden from Swift without _GNU_SOURCE.
        let rdhup: Int16 = 0x2000
        var p = pollfd(fd: fd, events: rdhup, revents: 0)
        return poll(&p, 1, 0) > 0 && p.revents & (rdhup | Int16(POLLHUP | POLLERR)) != 0
    }

    /// Poll in slices of 100 ms so `stop` is seen promptly.
    private func waitReady(_ events: Int32, deadline: Int64?, stop: () -> Bool) throws(IOFailure) {
        while true {
            if stop() { throw .stopped }
            let left = deadline.map { $0 - Clock.monotonicNanoseconds() } ?? 100_000_000
            if left <= 0 { throw .timedOut }
            var p = pollfd(fd: fd, events: Int16(events), revents: 0)
            let n = poll(&p, 1, Int32(min(100, max(1, left / 1_000_000))))
            if n < 0 && errno != EINTR { throw .system(SystemError("poll")) }
            if n > 0 {
                // POLLHUP with nothing left to read: the recv that follows returns 0.
                if p.revents & Int16(POLLERR | POLLNVAL) != 0 && events == Int32(POLLOUT) { throw .closed }
                return
            }
        }
    }
}
