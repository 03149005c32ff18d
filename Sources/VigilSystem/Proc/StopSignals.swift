import Glibc
import Synchronization

/// Set by SIGINT/SIGTERM while a foreground session runs.
let stopSignalReceived = Atomic<Bool>(false)

/// Ctrl-C and SIGTERM for a foreground session (trace, profile): the session polls
/// `requested`, stops, and still writes what it collected.
public enum StopSignals {
    /// Catch SIGINT and SIGTERM from now on, and unblock them: a parent may have
    /// started us with them blocked (test runners and some supervisors do), and a
    /// session nobody can stop would hurt the host.
    public static func install() {
        stopSignalReceived.store(false, ordering: .relaxed)
        signal(SIGINT) { _ in stopSignalReceived.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopSignalReceived.store(true, ordering: .relaxed) }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    public static var requested: Bool { stopSignalReceived.load(ordering: .relaxed) }

    /// Back to the default dispositions.
    public static func remove() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// Set by SIGHUP: reload the configuration.
let hangupReceived = Atomic<Bool>(false)

/// SIGHUP for a daemon: the main loop takes the request and reloads.
public enum HangupSignal {
    public static func install() {
        hangupReceived.store(false, ordering: .relaxed)
        signal(SIGHUP) { _ in hangupReceived.store(true, ordering: .relaxed) }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGHUP)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// Whether a SIGHUP arrived since the last call (and forget it).
    public static func take() -> Bool { hangupReceived.exchange(false, ordering: .relaxed) }
}
