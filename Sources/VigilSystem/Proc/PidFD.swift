import CLinux
import Glibc

/// A process's pidfd (pidfd_open, Linux 5.3): it polls readable once the process has
/// exited, so a parent sleeps until its child ends (or until something else it waits
/// for happens) instead of calling waitpid on a timer. Reaping is still waitpid's job.
public final class PidFD: Sendable {
    public let fd: Int32
    public let pid: pid_t

    public init(_ pid: pid_t) throws(SystemError) {
        self.pid = pid
        fd = try retryingEINTR("pidfd_open", path: "pid \(pid)") { vigil_pidfd_open(pid) }
    }

    deinit { close(fd) }

    /// Sleep until the process exits (true), `wake` turns readable, or `timeout`
    /// seconds pass (nil: no limit), whichever comes first. A signal that interrupts
    /// the wait ends it too; callers look at their flags and wait again.
    public func waitForExit(timeout: Double?, wake: Int32 = -1) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        // poll's timeout is in milliseconds; round up so a short wait does not spin.
        let milliseconds = timeout.map { Int32(min(max(0, ($0 * 1000).rounded(.up)), Double(Int32.max))) } ?? -1
        let ready = poll(&fds, nfds_t(wake >= 0 ? 2 : 1), milliseconds)
        return ready > 0 && fds[0].revents != 0
    }

    /// Whether the process has exited, without waiting.
    public var hasExited: Bool { waitForExit(timeout: 0) }

    /// Await the exit without holding a thread (a dispatch read source on the pidfd):
    /// true once it has exited, false after `timeout` seconds or when the task is
    /// cancelled.
    public func exited(timeout: Double? = nil) async -> Bool {
        await Readiness.readable(fd, timeout: timeout)
    }
}
