import Foundation
import VigilSystem

/// Start a program the way Vigil does (VigilSystem's ChildProcess.spawn): a clean
/// signal mask and default dispositions. The test runner's threads block SIGCHLD
/// and more, and children started through Foundation's Process inherit that mask:
/// a shell's `wait` in such a child never returns, and a daemon (tmux) misbehaves.
public func spawnClean(_ arguments: [String], quiet: Bool = false) throws -> pid_t {
    try ChildProcess.spawn(arguments, quiet: quiet)
}

/// Wait for a child started by `spawnClean`; returns its exit status.
@discardableResult
public func reap(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return (status >> 8) & 0xff
}

/// Poll `condition` every 200 ms for up to `seconds`; an error counts as not yet.
public func poll(_ seconds: Double, _ condition: () throws -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if (try? condition()) == true { return true }
        usleep(200_000)
    }
    return (try? condition()) == true
}
