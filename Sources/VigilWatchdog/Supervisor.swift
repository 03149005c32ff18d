import Glibc
import Logging
import VigilSystem

/// How the supervisor runs the worker.
public struct SupervisorOptions: Sendable {
    /// The worker's command line (argv[0] a path).
    public var workerArguments: [String]
    /// nil: the watchdog is off (the worker is still restarted when it dies).
    public var limits: Limits?
    /// How often the worker is sampled: every 2 s judges a 6 s window closely enough,
    /// and costs the supervisor a third of sampling every second (measured: 0.1% of a
    /// core at 1 s).
    public var checkIntervalSeconds: Double = 2
    /// Between SIGTERM and SIGKILL when the watchdog stops a worker that broke a limit.
    public var graceSeconds: Double = 5
    /// Between SIGTERM and SIGKILL when the agent itself is stopped: longer, since an
    /// orderly stop finishes what the worker holds (the continuous profiler symbolizes
    /// and writes its last partial interval, which takes seconds on a busy host).
    public var shutdownGraceSeconds: Double = 30
    public var backoff = Backoff()
    /// Descriptors the worker inherits (the data directory's lock); it gets no others.
    public var inherited: [Int32] = []

    public init(workerArguments: [String], limits: Limits?) {
        self.workerArguments = workerArguments
        self.limits = limits
    }
}

/// The small parent process of the agent: starts the worker, samples it, and when
/// it breaks a limit warns it (SIGUSR1), stops it (SIGTERM) and kills it (SIGKILL)
/// after a grace period, denylists the query it was running, and starts a new one
/// with backoff. It does no other work, so there is little in it to crash.
public final class Supervisor {
    public private(set) var options: SupervisorOptions
    let journal: any WatchdogJournal
    let logger: Logger
    /// Asked on SIGHUP for new options (nil: keep the current ones); the worker is
    /// sent SIGHUP to reload too.
    let reload: () -> SupervisorOptions?
    /// Called after every sample with the worker's pid (a live summary, for one).
    public var onTick: ((Int32) -> Void)?
    public private(set) var workerPID: Int32 = 0

    public init(options: SupervisorOptions, journal: any WatchdogJournal, logger: Logger,
                reload: @escaping () -> SupervisorOptions? = { nil }) {
        self.options = options
        self.journal = journal
        self.logger = logger
        self.reload = reload
    }

    /// Run until SIGINT or SIGTERM; returns the process exit status.
    public func run() -> Int32 {
        StopSignals.install()
        HangupSignal.install()
        defer { StopSignals.remove() }
        var backoff = options.backoff
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        while !StopSignals.requested {
            let started = Clock.monotonicNanoseconds()
            let pid: Int32
            do { pid = try ChildProcess.spawn(options.workerArguments, keeping: options.inherited) } catch {
                logger.error("cannot start the worker: \(error)")
                return 1
            }
            workerPID = pid
            logger.info("worker started", metadata: ["pid": "\(pid)"])
            // Sleep on the worker's pidfd: its exit wakes us at once. Without one (a
            // kernel before 5.3), the worker's end is noticed at the next timed wake.
            let exit: PidFD?
            do { exit = try PidFD(pid) } catch {
                logger.warning("no pidfd for the worker (\(error)); its end is noticed at the next check")
                exit = nil
            }
            var monitor = options.limits.map { LimitMonitor(limits: $0, cores: cores, started: started) }
            var stalls = options.limits.map { StallMonitor(limits: $0, started: started) }
            var end: WorkerEnd?
            var codeReleased = false
            var nextCheck = started + Self.nanoseconds(options.checkIntervalSeconds)
            while end == nil {
                // Timed wake-ups only for the watchdog's samples (and the live summary),
                // and once to release start-up code; otherwise asleep until the worker
                // ends or a signal comes.
                let sampling = options.limits != nil || onTick != nil
                var deadlines = sampling ? [nextCheck] : []
                if !codeReleased { deadlines.append(started + Self.nanoseconds(Self.startupCodeSeconds)) }
                if exit == nil { deadlines.append(Clock.monotonicNanoseconds() + Self.nanoseconds(options.checkIntervalSeconds)) }
                let timeout = deadlines.min().map { Double(max(0, $0 - Clock.monotonicNanoseconds())) / 1e9 }
                if let exit { _ = exit.waitForExit(timeout: timeout, wake: SignalWakeup.descriptor) } else { sleepInterruptibly(timeout ?? 0) }
                SignalWakeup.drain()
                let now = Clock.monotonicNanoseconds()
                let lifetime = Double(now - started) / 1e9
                // The supervisor's own start-up code (config, flags) is not needed again.
                if !codeReleased && lifetime >= Self.startupCodeSeconds {
                    WorkingSet.releaseStartupCode()
                    codeReleased = true
                }
                if let status = Self.reap(pid) {
                    end = WorkerEnd(cause: StopSignals.requested ? .shutdown : .died, pid: pid,
                                    query: journal.executingQuery(), exitStatus: status.exit, signal: status.signal,
                                    lifetime: lifetime)
                    break
                }
                if StopSignals.requested {
                    end = stop(pid, exit: exit, cause: .shutdown, breach: nil, query: nil, started: started)
                    break
                }
                if HangupSignal.take() {
                    if let fresh = reload() {
                        options = fresh
                        monitor = options.limits.map { LimitMonitor(limits: $0, cores: cores, started: started) }
                        stalls = options.limits.map { StallMonitor(limits: $0, started: started) }
                        logger.info("configuration reloaded")
                    }
                    kill(pid, SIGHUP)
                }
                guard now >= nextCheck else { continue }
                nextCheck = now + Self.nanoseconds(options.checkIntervalSeconds)
                onTick?(pid)
                // CPU and memory first: a busy query over the latency limit is a CPU breach.
                let usageBreach = ProcessUsage.read(pid).flatMap { monitor?.observe($0) }
                let executing = stalls == nil ? nil : journal.executing()
                let stallBreach = stalls?.observe(executing, work: executing == nil ? nil : WorkDone.read(pid),
                                                  at: Clock.monotonicNanoseconds())
                guard let breach = usageBreach ?? stallBreach else { continue }
                end = limitBreached(pid, exit: exit, breach, started: started)
            }
            guard let end else { continue }
            journal.record(end)
            if end.cause == .shutdown { break }
            let (delay, loop) = backoff.workerEnded(lifetime: end.lifetime, at: Double(Clock.monotonicNanoseconds()) / 1e9)
            if loop {
                logger.error("the worker is in a crash loop: \(backoff.loopRestarts) restarts within \(Int(backoff.loopWindowSeconds)) s; restarting with backoff")
                journal.crashLoop(restarts: backoff.loopRestarts, windowSeconds: backoff.loopWindowSeconds)
            }
            logger.warning("restarting the worker in \(delay) s")
            sleepInterruptibly(delay)
        }
        return 0
    }

    /// The worker broke a limit: blame the query it was running (denylist it unless
    /// exempt), warn it, stop it, and record why.
    private func limitBreached(_ pid: Int32, exit: PidFD?, _ breach: Breach, started: Int64) -> WorkerEnd {
        let query = journal.executingQuery()
        var denylisted = false
        if let query, journal.mayDenylist(query) {
            journal.denylist(query, reason: breach.description)
            denylisted = true
        }
        logger.error("worker over its limit, stopping it", metadata: [
            "pid": "\(pid)", "limit": "\(breach.limit.rawValue)", "measured": "\(breach)",
            "query": "\(query ?? "none")", "denylisted": "\(denylisted)",
        ])
        kill(pid, SIGUSR1)
        var end = stop(pid, exit: exit, cause: .limit, breach: breach, query: query, started: started)
        end.denylisted = denylisted
        return end
    }

    /// SIGTERM, then SIGKILL after the grace period; waits for it (on its pidfd).
    private func stop(_ pid: Int32, exit: PidFD?, cause: WorkerEnd.Cause, breach: Breach?, query: String?, started: Int64) -> WorkerEnd {
        kill(pid, SIGTERM)
        let grace = cause == .shutdown ? options.shutdownGraceSeconds : options.graceSeconds
        let deadline = Clock.monotonicNanoseconds() + Self.nanoseconds(grace)
        var status = Self.reap(pid)
        while status == nil && Clock.monotonicNanoseconds() < deadline {
            let left = Double(deadline - Clock.monotonicNanoseconds()) / 1e9
            // A signal (a second Ctrl-C) ends the poll early; the loop waits again.
            if let exit { _ = exit.waitForExit(timeout: left) } else { usleep(20_000) }
            status = Self.reap(pid)
        }
        if status == nil {
            logger.warning("worker did not stop within \(grace) s; SIGKILL", metadata: ["pid": "\(pid)"])
            kill(pid, SIGKILL)
            while status == nil { status = Self.reap(pid, block: true) }
        }
        return WorkerEnd(cause: cause, pid: pid, breach: breach, query: query, exitStatus: status?.exit,
                         signal: status?.signal, lifetime: Double(Clock.monotonicNanoseconds() - started) / 1e9)
    }

    /// The worker's exit, if it has ended.
    static func reap(_ pid: Int32, block: Bool = false) -> (exit: Int32?, signal: Int32?)? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, block ? 0 : WNOHANG)
        guard r == pid else { return r < 0 && errno == ECHILD ? (nil, nil) : nil }
        if status & 0x7f == 0 { return ((status >> 8) & 0xff, nil) }
        return (nil, status & 0x7f)
    }

    /// Sleep, waking early for a stop request (on the signal wake-up eventfd, no timer).
    private func sleepInterruptibly(_ seconds: Double) {
        let end = Clock.monotonicNanoseconds() + Self.nanoseconds(seconds)
        while Clock.monotonicNanoseconds() < end && !StopSignals.requested {
            var wake = pollfd(fd: SignalWakeup.descriptor, events: Int16(POLLIN), revents: 0)
            let left = Double(end - Clock.monotonicNanoseconds()) / 1e6
            _ = poll(&wake, 1, Int32(max(1, left.rounded(.up))))
            SignalWakeup.drain()
        }
    }

    /// After this long the supervisor's start-up code is released (once per worker).
    static let startupCodeSeconds = 10.0

    static func nanoseconds(_ seconds: Double) -> Int64 { Int64(seconds * 1e9) }
}
