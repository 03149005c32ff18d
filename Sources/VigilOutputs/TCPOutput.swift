import Glibc
import VigilSystem

/// `tcp`: the JSON lines over one TCP connection to `logger_tcp_endpoint`, for collectors
/// with a json_lines input (Vector's socket source, Fluent Bit's tcp input, Logstash's
/// tcp input with the json_lines codec).
///
/// Everything here runs on the scheduler's thread without waiting there: the socket is
/// non-blocking, a connect in progress is checked again on each later call (given up
/// after `connectTimeout`), writes take what the kernel takes now and the rest waits.
/// (A name, unlike a literal address, is looked up with getaddrinfo(3), which can wait
/// for the resolver's timeout when DNS does not answer; once per reconnect at most.)
/// A failed connect or a dropped connection waits `backoff` before the next attempt.
///
/// A record counts as delivered when the collector's TCP has acknowledged its last byte
/// (written bytes minus SIOCOUTQ, the bytes not yet acknowledged), not when write(2)
/// took it; records lost with a dropped connection are sent again on the next one. The
/// collector may so see a record twice, never miss one.
public final class TCPOutput: RecordOutput {
    public let kind = OutputKind.tcp
    public let endpoint: TCPEndpoint
    public let maxPendingBytes: Int64
    let connectTimeout: Double
    private var backoff: ReconnectDelay

    private enum State {
        case down(retryAt: Double)
        case connecting(fd: Int32, deadline: Double)
        case up(fd: Int32)
    }
    private var state = State.down(retryAt: 0)
    /// Addresses of the endpoint not tried yet in this round; looked up again when empty.
    private var candidates: [TCPEndpoint.Address] = []

    // The current connection's stream: bytes written, and each item written, with the
    // stream offset at its end, until the collector acknowledges it.
    private var written: Int64 = 0
    private var unacknowledged: [(id: Int64, end: Int64, records: Int, bytes: Int)] = []
    /// The item being written when the socket's buffer filled, and how far: it is
    /// finished first, even if the pending cap has dropped it since, so that the
    /// collector never gets half a line.
    private var partial: (item: OutboxItem, written: Int)?
    /// The newest item wholly written on this connection.
    private var lastWritten: Int64 = 0

    /// ioctl that gives the bytes of a TCP socket's send queue not yet acknowledged (tcp(7)).
    private static let SIOCOUTQ: UInt = 0x5411

    public init(endpoint: TCPEndpoint, maxPendingBytes: Int64 = OutputDefaults.maxPendingBytes,
                connectTimeout: Double = 5, backoff: (initial: Double, maximum: Double) = (1, 60)) {
        self.endpoint = endpoint
        self.maxPendingBytes = maxPendingBytes
        self.connectTimeout = connectTimeout
        self.backoff = ReconnectDelay(initial: backoff.initial, maximum: backoff.maximum)
    }

    deinit { disconnect() }

    /// Whether a connection is up (for tests and the live summary).
    public var isConnected: Bool { if case .up = state { return true } else { return false } }

    public func send(_ items: [OutboxItem]) -> OutputProgress {
        var progress = OutputProgress()
        do {
            let fd = try connection()
            guard let fd else { return progress }
            try checkPeer(fd)
            try write(items, to: fd)
            acknowledged(fd, into: &progress)
        } catch {
            // What the dying connection acknowledged still counts.
            if case .up(let fd) = state { acknowledged(fd, into: &progress) }
            fail()
            progress.error = "\(endpoint): \(error)"
        }
        return progress
    }

    /// The connected socket; nil while a connect is in progress or the backoff runs.
    private func connection() throws(OutputError) -> Int32? {
        let now = Double(Clock.monotonicNanoseconds()) / 1e9
        switch state {
        case .up(let fd):
            return fd
        case .connecting(let fd, let deadline):
            do {
                if try finished(fd, waiting: 0) { return fd }
                if now < deadline { return nil }
                throw OutputError("connect timed out after \(Int(connectTimeout)) s")
            } catch {
                // The next address, if the name has more, is tried on the next call.
                guard !candidates.isEmpty else { throw (error as? OutputError) ?? OutputError("\(error)") }
                close(fd)
                state = .down(retryAt: 0)
                return nil
            }
        case .down(let retryAt):
            guard now >= retryAt else { return nil }
            if candidates.isEmpty { candidates = try endpoint.resolve() }
            // Try the addresses in turn; one that refuses at once gives way to the next.
            var lastError = OutputError("no address")
            while !candidates.isEmpty {
                let address = candidates.removeFirst()
                do {
                    let fd = try start(address)
                    state = .connecting(fd: fd, deadline: now + connectTimeout)
                    // Most connects (loopback, LAN) finish in well under this: send now.
                    if try finished(fd, waiting: 100) { return fd }
                    return nil
                } catch {
                    if case .connecting(let fd, _) = state { close(fd) }
                    state = .down(retryAt: 0)
                    lastError = error
                }
            }
            throw lastError
        }
    }

    /// A non-blocking socket with connect(2) started.
    private func start(_ address: TCPEndpoint.Address) throws(OutputError) -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw OutputError(SystemError("socket")) }
        var storage = address.storage
        let r = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        if r != 0 && errno != EINPROGRESS {
            let failure = SystemError("connect")
            close(fd)
            throw OutputError(failure)
        }
        return fd
    }

    /// Whether the connect on `fd` is done, waiting up to `milliseconds`; throws its error.
    private func finished(_ fd: Int32, waiting milliseconds: Int32) throws(OutputError) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        if error != 0 { throw OutputError(SystemError("connect", errno: error)) }
        state = .up(fd: fd)
        backoff.reset()
        return true
    }

    /// Collectors send nothing back; a read of 0 bytes means the peer closed, and
    /// anything it does send is read and ignored.
    private func checkPeer(_ fd: Int32) throws(OutputError) {
        var sink = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &sink, sink.count, Int32(MSG_DONTWAIT))
            if n > 0 { continue }
            if n == 0 { throw OutputError("the collector closed the connection") }
            if errno == EINTR { continue }
            if errno == EAGAIN { return }
            throw OutputError(SystemError("recv"))
        }
    }

    /// Write items not yet written on this connection, until the socket takes no more.
    private func write(_ items: [OutboxItem], to fd: Int32) throws(OutputError) {
        if let resumed = partial, try !write(resumed.item, from: resumed.written, to: fd) { return }
        for item in items where item.id > lastWritten {
            if try !write(item, from: 0, to: fd) { return }
        }
    }

    /// Write `item` from byte `start`; false when the socket's buffer filled first.
    private func write(_ item: OutboxItem, from start: Int, to fd: Int32) throws(OutputError) -> Bool {
        var offset = start
        while offset < item.payload.count {
            let n = item.payload.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    partial = (item, offset)
                    return false
                }
                throw OutputError(SystemError("send"))
            }
            offset += n
            written += Int64(n)
        }
        partial = nil
        lastWritten = item.id
        unacknowledged.append((item.id, written, item.records.count, item.payload.count))
        return true
    }

    /// Move items the collector has acknowledged into `progress`.
    private func acknowledged(_ fd: Int32, into progress: inout OutputProgress) {
        var queued: Int32 = 0
        // Without SIOCOUTQ, fall back to "written is delivered".
        let acked = ioctl(fd, Self.SIOCOUTQ, &queued) == 0 ? written - Int64(queued) : written
        while let first = unacknowledged.first, first.end <= acked {
            unacknowledged.removeFirst()
            progress.through = first.id
            progress.records += first.records
            progress.bytes += first.bytes
        }
    }

    private func fail() {
        disconnect()
        let now = Double(Clock.monotonicNanoseconds()) / 1e9
        state = .down(retryAt: now + backoff.next())
    }

    private func disconnect() {
        switch state {
        case .up(let fd), .connecting(let fd, _): close(fd)
        case .down: break
        }
        state = .down(retryAt: 0)
        candidates = []
        written = 0
        unacknowledged = []
        partial = nil
        lastWritten = 0
    }
}
