import Glibc

/// A command Vigil starts in order to watch it from its first instruction: it is
/// created stopped, so a tracer can register its pid (in a kernel filter, say)
/// before it runs, then resumed.
public struct ChildProcess: Sendable {
    public let pid: Int32

    /// Start `arguments` (argv[0] looked up in PATH) stopped. A small shell stops
    /// itself with SIGSTOP and, once continued, execs the command under the same pid.
    public static func spawnStopped(_ arguments: [String]) throws(SystemError) -> ChildProcess {
        precondition(!arguments.isEmpty)
        let pid = try spawn(["/bin/sh", "-c", "kill -STOP $$ && exec \"$@\"", "vigil-trace"] + arguments)
        // Wait until it has stopped itself.
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WUNTRACED)
            if r == -1 && errno == EINTR { continue }
            if r == -1 { throw SystemError("waitpid") }
            if status & 0xff == 0x7f { break }  // stopped
            throw SystemError("start \(arguments[0])", errno: ECHILD)  // exited before stopping
        }
        return ChildProcess(pid: pid)
    }

    /// posix_spawn `arguments` (argv[0] is a path) with an empty signal mask and
    /// default dispositions: a child must not inherit the blocked signals of the
    /// spawning thread (a shell's `wait` would never return). `quiet` connects its
    /// standard input and output to /dev/null; `log` appends its standard output and
    /// error to that file (created 0600) and reads standard input from /dev/null.
    public static func spawn(_ arguments: [String], quiet: Bool = false, log: String? = nil) throws(SystemError) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if quiet {
            for fd: Int32 in [0, 1, 2] {
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        } else if let log {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let cargs = arguments.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, cargs, environ)
        guard rc == 0 else { throw SystemError("posix_spawn", path: arguments[0], errno: rc) }
        return pid
    }

    /// Let it run (SIGCONT).
    public func resume() { kill(pid, SIGCONT) }

    /// The exit status if it has ended (without waiting), as the shell reports it:
    /// the exit code, or 128 + signal.
    public func exitStatusIfEnded() -> Int32? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return nil }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        if status & 0xff == 0x7f { return nil }  // stopped again; not ended
        return 128 + (status & 0x7f)
    }
}
