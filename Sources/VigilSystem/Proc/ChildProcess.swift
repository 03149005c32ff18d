import CLinux
import Glibc

/// A command Vigil starts in order to watch it from its first instruction: it is
/// created stopped, so a tracer can register its pid (in a kernel filter, say)
/// before it runs, then resumed.
public struct ChildProcess: Sendable {
    public let pid: Int32
    /// Reads the child's report of a failed start (see `resume`); -1 once read.
    let reportFD: Int32

    /// Start `arguments` stopped: argv[0] is looked up in PATH here, before the fork,
    /// so no search runs in the child (a shell's search would show as failed execs of
    /// the command's name), and argv[0] is passed on as given. `seccomp`, when given,
    /// is installed in the child before its exec (with no_new_privs). The child stops
    /// itself; `resume` lets it exec under the same pid.
    /// `landlock`, when given, restricts the child (and all it starts) likewise.
    public static func spawnStopped(_ arguments: [String], seccomp: SeccompProgram? = nil,
                                    landlock: LandlockRuleset? = nil) throws(SystemError) -> ChildProcess {
        precondition(!arguments.isEmpty)
        let path = try executablePath(arguments[0])
        var fds: [Int32] = [-1, -1]
        guard vigil_pipe_cloexec(&fds) == 0 else { throw SystemError("pipe2") }
        let cargs = arguments.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        let pid = withFilter(seccomp) { filter in vigil_spawn_stopped(path, cargs, environ, filter, landlock?.fd ?? -1, fds[1]) }
        close(fds[1])
        guard pid > 0 else {
            close(fds[0])
            throw SystemError("fork", path: arguments[0])
        }
        // Wait until it has stopped itself.
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WUNTRACED)
            if r == -1 && errno == EINTR { continue }
            if r == -1 { close(fds[0]); throw SystemError("waitpid") }
            if status & 0xff == 0x7f { break }  // stopped
            // Exited before stopping: installing the filter failed.
            let failure = readReport(fds[0]) ?? ECHILD
            close(fds[0])
            let step = seccomp == nil && landlock == nil ? "start" : "confine (seccomp, Landlock)"
            throw SystemError(step, path: arguments[0], errno: failure)
        }
        return ChildProcess(pid: pid, reportFD: fds[0])
    }

    /// Where `execvp` would find `name`: itself when it holds a '/', else the first
    /// executable regular file of that name in PATH (glibc's default when unset).
    public static func executablePath(_ name: String) throws(SystemError) -> String {
        if name.contains("/") { return name }
        let search = getenv("PATH").map { String(cString: $0) } ?? "/bin:/usr/bin"
        for directory in search.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        throw SystemError("find \(name) in PATH", errno: ENOENT)
    }

    private static func withFilter(_ program: SeccompProgram?, _ body: (UnsafePointer<sock_fprog>?) -> Int32) -> Int32 {
        guard let program else { return body(nil) }
        return program.withProgram(body)
    }

    /// An errno the child wrote before exiting, or nil at EOF (its exec succeeded).
    private static func readReport(_ fd: Int32) -> Int32? {
        var failure: Int32 = 0
        let n = withUnsafeMutableBytes(of: &failure) { read(fd, $0.baseAddress, $0.count) }
        return n == MemoryLayout<Int32>.size ? failure : nil
    }

    /// posix_spawn `arguments` (argv[0] is a path) with an empty signal mask and
    /// default dispositions: a child must not inherit the blocked signals of the
    /// spawning thread (a shell's `wait` would never return). `quiet` connects its
    /// standard input and output to /dev/null; `log` appends its standard output and
    /// error to that file (created 0600) and reads standard input from /dev/null.
    /// It gets no other descriptor of this process but those in `keeping`, which it finds
    /// as 3, 4, … in that order: not all descriptors are close-on-exec, and a server a
    /// test started held some 130 of other tests' sockets against its own open-file limit.
    public static func spawn(_ arguments: [String], quiet: Bool = false, log: String? = nil,
                             keeping: [Int32] = []) throws(SystemError) -> pid_t {
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
        // Moved down in order: one already in that range must be in its own place, or
        // an earlier move would overwrite it.
        precondition(keeping.enumerated().allSatisfy { $1 == 3 + Int32($0) || $1 >= 3 + Int32(keeping.count) })
        for (index, fd) in keeping.enumerated() { posix_spawn_file_actions_adddup2(&actions, fd, 3 + Int32(index)) }
        vigil_spawn_close_from(&actions, 3 + Int32(keeping.count))
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

    /// Let it run (SIGCONT) and wait for its exec: nil when the command started, else
    /// the errno of its failed exec (the child then exits with status 127).
    @discardableResult
    public func resume() -> Int32? {
        kill(pid, SIGCONT)
        guard reportFD >= 0 else { return nil }
        defer { close(reportFD) }
        return Self.readReport(reportFD)
    }

    /// Wait for it to end; its status as `exitStatusIfEnded` gives it.
    public func waitForExit() -> Int32? { Self.waitForExit(pid) }

    /// Wait for a child started with `spawn` to end (blocking); its status as the shell reports it.
    public static func waitForExit(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, 0)
            if r == -1 && errno == EINTR { continue }
            return r == pid ? shellStatus(status) : nil
        }
    }

    /// A wait status as the shell reports it: the exit code, or 128 + signal; nil when stopped.
    static func shellStatus(_ status: Int32) -> Int32? {
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        if status & 0xff == 0x7f { return nil }
        return 128 + (status & 0x7f)
    }

    /// The exit status if it has ended (without waiting), as the shell reports it:
    /// the exit code, or 128 + signal.
    public func exitStatusIfEnded() -> Int32? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        guard r == pid else { return nil }
        return Self.shellStatus(status)
    }
}
