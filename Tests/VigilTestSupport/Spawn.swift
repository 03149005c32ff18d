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

/// Run a program to its end (started by `spawnClean`, its output through a temporary
/// file); its exit status and what it printed on standard output and error together.
/// It blocks: call it off the in-process servers' executor.
@discardableResult
public func runToEnd(_ arguments: [String]) -> (status: Int32, output: String) {
    let out = "/tmp/vigil-test-out-\(getpid())-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    guard let pid = try? spawnClean(["/bin/sh", "-c", quoted + " >\(out) 2>&1 </dev/null"]) else { return (-1, "cannot start \(arguments[0])") }
    let status = reap(pid)
    return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
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
