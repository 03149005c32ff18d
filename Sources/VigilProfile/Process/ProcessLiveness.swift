import Glibc

enum ProcessLiveness {
    /// True when no process has this pid any more (EPERM means it exists).
    static func isGone(_ pid: Int32) -> Bool { kill(pid, 0) != 0 && errno == ESRCH }
}
