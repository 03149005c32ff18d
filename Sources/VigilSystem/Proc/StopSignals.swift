import CLinux
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
        _ = SignalWakeup.descriptor
        signal(SIGINT) { _ in stopSignalReceived.store(true, ordering: .relaxed); SignalWakeup.notify() }
        signal(SIGTERM) { _ in stopSignalReceived.store(true, ordering: .relaxed); SignalWakeup.notify() }
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
        _ = SignalWakeup.descriptor
        signal(SIGHUP) { _ in hangupReceived.store(true, ordering: .relaxed); SignalWakeup.notify() }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGHUP)
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// Whether a SIGHUP arrived since the last call (and forget it).
    public static func take() -> Bool { hangupReceived.exchange(false, ordering: .relaxed) }
}

/// The eventfd behind `SignalWakeup`; -1 until first asked for.
let signalWakeFD = Atomic<Int32>(-1)

/// How a loop sleeps until its next timer and still wakes at once for a signal: the
/// handlers above (and any that call `notify`) write to one eventfd, which the loop
/// polls beside what it waits for. A flag alone would be seen only at the next timed
/// wake-up, which forces short timers.
public enum SignalWakeup {
    /// The descriptor (readable after a signal until `drain`). Made on first use, which
    /// `install` does before setting a handler, so a handler never races its creation.
    public static var descriptor: Int32 {
        let fd = signalWakeFD.load(ordering: .acquiring)
        if fd >= 0 { return fd }
        let made = vigil_eventfd()
        // Without an eventfd (out of descriptors) loops still see the flags at their next wake.
        guard made >= 0 else { return -1 }
        let (exchanged, current) = signalWakeFD.compareExchange(expected: -1, desired: made, ordering: .acquiringAndReleasing)
        if !exchanged { close(made) }
        return exchanged ? made : current
    }

    /// From a signal handler: only an atomic load and write(2), both async-signal-safe.
    public static func notify() {
        let fd = signalWakeFD.load(ordering: .relaxed)
        guard fd >= 0 else { return }
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(fd, $0.baseAddress, 8) }
    }

    /// Forget the signals seen so far (their flags still say which arrived).
    public static func drain() {
        let fd = signalWakeFD.load(ordering: .relaxed)
        guard fd >= 0 else { return }
        var count: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &count) { read(fd, $0.baseAddress, 8) }
    }
}
