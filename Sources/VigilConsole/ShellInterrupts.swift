import CEditLine
import Glibc
import Synchronization
import VigilSystem

/// Write end of the pipe the SIGINT handler writes a byte to.
private let sigintPipe = Atomic<Int32>(-1)
/// Read end of the pipe that wakes the prompt; `terminalGetc` polls it beside the terminal.
private let promptWake = Atomic<Int32>(-1)
/// Set by `terminalGetc` when Ctrl-C ended the line being typed.
private let promptInterrupted = Atomic<Bool>(false)

/// Ctrl-C in the interactive shell: while a statement runs it stops the statement
/// (`StatementRunner.interrupt`, sqlite3_interrupt for a local one); at the prompt it
/// throws away the line being typed. A signal handler can safely do almost nothing,
/// so it only writes a byte to a pipe; a thread of the shell reads it and either
/// interrupts the statement or wakes the prompt, which libedit reads through
/// `terminalGetc` so that it can wait on that pipe too.
final class ShellInterrupts: @unchecked Sendable {
    // @unchecked: `runner` is touched from the thread only through `interrupt()`,
    // which runners make safe to call from any thread.
    private let runner: any StatementRunner
    private let running = Atomic<Bool>(false)

    init(runner: any StatementRunner) throws(SystemError) {
        self.runner = runner
        let signals = try Self.pipe(), wake = try Self.pipe()
        sigintPipe.store(signals.write, ordering: .relaxed)
        promptWake.store(wake.read, ordering: .relaxed)
        vigil_rl_take_input(terminalGetc)
        try NamedThread.start("vigil-ctrl-c") { [self] in dispatch(from: signals.read, wake: wake.write) }.detach()
        signal(SIGINT) { _ in
            let saved = errno
            var byte: UInt8 = 1
            _ = write(sigintPipe.load(ordering: .relaxed), &byte, 1)
            errno = saved
        }
        // A parent may have started us with SIGINT blocked (test runners do).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// Run a statement; Ctrl-C meanwhile interrupts it.
    func whileRunning<T>(_ body: () -> T) -> T {
        running.store(true, ordering: .relaxed)
        defer { running.store(false, ordering: .relaxed) }
        return body()
    }

    /// Whether Ctrl-C ended the line just read (and forget it): the shell discards it.
    func takePromptInterrupt() -> Bool { promptInterrupted.exchange(false, ordering: .relaxed) }

    private func dispatch(from signals: Int32, wake: Int32) {
        var byte: UInt8 = 0
        while true {
            let n = read(signals, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            if running.load(ordering: .relaxed) {
                runner.interrupt()
            } else {
                _ = write(wake, &byte, 1)
            }
        }
    }

    private static func pipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw SystemError("pipe") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }
}

/// libedit's getc (rl_getc_function): the next character typed, decoded from UTF-8
/// (libedit takes the returned int as one wide character), or -1 at end of input.
/// Ctrl-C at the prompt returns a newline, so libedit hands back the line, and marks
/// it interrupted, so the shell drops it; "^C" shows where it was pressed, as in bash.
private let terminalGetc: @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32 = { _ in
    var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
               pollfd(fd: promptWake.load(ordering: .relaxed), events: Int16(POLLIN), revents: 0)]
    while true {
        if poll(&fds, 2, -1) < 0 {
            if errno == EINTR { continue }
            return -1
        }
        if fds[1].revents & Int16(POLLIN) != 0 {
            var byte: UInt8 = 0
            _ = read(fds[1].fd, &byte, 1)
            promptInterrupted.store(true, ordering: .relaxed)
            _ = write(1, "^C", 2)
            return 10
        }
        if fds[0].revents != 0 { return readCharacter() }
    }
}

/// One UTF-8 character from standard input as its code point; -1 at end of input.
private func readCharacter() -> Int32 {
    func byte() -> Int32? {
        var b: UInt8 = 0
        while true {
            let n = read(0, &b, 1)
            if n == 1 { return Int32(b) }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }
    guard let first = byte() else { return -1 }
    let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
    guard extra > 0 else { return first }
    var scalar = first & (0x3F >> extra)
    for _ in 0..<extra {
        guard let next = byte() else { return -1 }
        scalar = scalar << 6 | (next & 0x3F)
    }
    return scalar
}
