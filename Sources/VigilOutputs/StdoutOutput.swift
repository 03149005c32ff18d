import Glibc
import VigilSystem

/// `stdout`: the JSON lines on standard output (or any descriptor, for tests).
///
/// Standard output is shared with other processes, so it is not made non-blocking (that
/// flag belongs to the open file, not to us); instead each write is at most PIPE_BUF
/// bytes and only after poll(2) says the descriptor takes more, so a reader that stops
/// reading holds records back rather than the scheduler.
public final class StdoutOutput: RecordOutput {
    public let kind = OutputKind.stdout
    public let fd: Int32
    public let maxPendingBytes: Int64
    /// The item being written when the reader stopped taking more, and how far: it is
    /// finished first, even if the pending cap has dropped it since, so that the reader
    /// never gets half a line.
    private var partial: (item: OutboxItem, written: Int)?

    public init(fd: Int32 = STDOUT_FILENO, maxPendingBytes: Int64 = OutputDefaults.maxPendingBytes) {
        self.fd = fd
        self.maxPendingBytes = maxPendingBytes
    }

    public func send(_ items: [OutboxItem]) -> OutputProgress {
        var progress = OutputProgress()
        var queue = items
        if let resumed = partial?.item {
            // Finish it first; the items up to it are done.
            queue = [resumed] + items.filter { $0.id > resumed.id }
        }
        for item in queue {
            var offset = partial?.item.id == item.id ? partial!.written : 0
            while offset < item.payload.count {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                guard poll(&poller, 1, 0) == 1, poller.revents & Int16(POLLOUT) != 0 else {
                    partial = (item, offset)
                    if poller.revents & Int16(POLLERR | POLLNVAL) != 0 { progress.error = "standard output is closed or in error" }
                    return progress
                }
                let chunk = min(Int(PIPE_BUF), item.payload.count - offset)
                let n = item.payload.withUnsafeBytes { Self.writeWithoutSIGPIPE(fd, $0.baseAddress! + offset, chunk) }
                if n < 0 {
                    let failure = SystemError("write", path: "standard output")
                    if failure.errno == EINTR || failure.errno == EAGAIN { continue }
                    partial = (item, offset)
                    progress.error = failure.description
                    return progress
                }
                offset += n
            }
            partial = nil
            progress.records += item.records.count
            progress.bytes += item.payload.count
            progress.through = item.id
        }
        return progress
    }

    /// write(2) with SIGPIPE blocked on this thread, so that a reader that went away is
    /// EPIPE here and not a signal that kills the worker (MSG_NOSIGNAL exists for sockets
    /// only); a SIGPIPE this write raised is taken off the thread before the mask is restored.
    static func writeWithoutSIGPIPE(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        var pipeOnly = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        var pending = sigset_t()
        sigpending(&pending)
        let wasPending = sigismember(&pending, SIGPIPE) == 1
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
        let n = write(fd, bytes, count)
        let saved = errno
        if n < 0 && saved == EPIPE && !wasPending {
            var zero = timespec()
            _ = sigtimedwait(&pipeOnly, nil, &zero)
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        errno = saved
        return n
    }
}
