import Glibc
import Logging
import VigilBPF
import VigilSystem

/// What `vigil trace` was asked to do.
public struct TraceOptions {
    public var sensor = SensorOptions()
    public var format: TraceFormat = .human
    /// JSON lines/human lines go here (default standard output).
    public var outputPath: String?
    /// Rotate the output file when it reaches this size, keeping `rotateKeep` old files.
    public var rotateBytes: Int?
    public var rotateKeep = 5
    /// Add each event's ancestors (parent up to pid 1) from the process cache.
    public var ancestry = false
    /// Stop after this many seconds.
    public var duration: Double?
    /// Start this command and trace it and its children until it exits.
    public var command: [String]?
    /// A policy's rules: which events to write, with which alerts.
    public var judge: ((TraceEvent) -> Verdict)?
    /// Called about once a second and at the end (final = true); returns lines to
    /// write, such as finished aggregation windows.
    public var periodic: ((_ final: Bool) -> [String])?
    /// How a policy's deny rules are enforced (see PreventionPlan).
    public var prevention = PreventionPlan()
    public init() {}
}

/// What a session saw, for the summary and for tests.
public struct TraceSummary: Sendable {
    public var events: [EventKind: Int] = [:]
    public var lostInKernel: [EventKind: UInt64] = [:]
    public var undecodable = 0
    /// Output the writer could not write (a full disk, a closed pipe), and why.
    public var outputDroppedBytes = 0
    public var outputError: Int32 = 0
    /// Events the policy's rules chose not to write, by kind.
    public var filtered: [EventKind: Int] = [:]
    /// The kinds asked for, listed in the summary even when none came.
    public var kinds: [EventKind] = []
    /// The traced command's exit status (code, or 128 + signal).
    public var commandStatus: Int32?
    /// Deny rules: the mechanisms in force, calls refused by each, rules not enforced.
    public var preventionMechanisms: [String] = []
    public var denied: [String: Int] = [:]
    public var unenforced: [(rule: String, reason: String)] = []
    /// Per program, runs the kernel skipped (already running on that CPU): lost events.
    public var skippedByKernel: [String: UInt64] = [:]
    /// Traced connections still closing when tracing stopped: their close is not reported.
    public var connectionsClosing = 0
}

/// One tracing run: attach, stream events to the output, stop on a signal, the
/// duration, or the command's exit; then drain what is left and summarise.
public final class TraceSession {
    let options: TraceOptions
    let logger: Logger
    /// How long to wait after the command exits for its connections' closes.
    static let closeGrace = 2.0

    public init(options: TraceOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() throws -> TraceSummary {
        var options = self.options
        let plan = options.prevention
        let child = try options.command.map { command throws(SystemError) in
            try ChildProcess.spawnStopped(command, seccomp: plan.seccomp, landlock: try plan.landlock())
        }
        if let child {
            options.sensor.pids = (options.sensor.pids ?? []) + [child.pid]
            options.sensor.followChildren = true
        }
        // Every event names its process's executable, so the cache hears of every
        // exec, fork and exit, asked for or not.
        options.sensor.processRecords = true
        let sensor: TraceSensor
        do {
            sensor = try TraceSensor(options: options.sensor)
        } catch {
            if let child { kill(child.pid, SIGKILL); _ = child.exitStatusIfEnded() }
            throw error
        }
        let out: Output
        if let path = options.outputPath {
            let rotation = options.rotateBytes.map { Output.Rotation(path: path, maxBytes: $0, keep: options.rotateKeep) }
            out = try Output(path: path, rotation: rotation)
        } else {
            out = Output(fd: 1)
        }
        // Seeded before events flow, so the first event of an old process knows its exe.
        let cache = ProcessCache()
        cache.seed()
        let writer = EventWriter(out: out, format: options.format, cache: cache, includeAncestry: options.ancestry)
        var summary = TraceSummary()
        summary.kinds = EventKind.allCases.filter {
            options.sensor.events.contains($0) || ($0 == .syscall && !options.sensor.syscalls.isEmpty)
        }
        let denialLog = DenialLog()
        let denials = plan.isEmpty ? nil : DenialMatcher(log: denialLog, plan: plan, commandPID: child?.pid)
        let pipeline = TracePipeline(decoder: EventDecoder(catalog: sensor.catalog), cache: cache, writer: writer, judge: options.judge,
                                     processKinds: options.sensor.events, denials: denials)
        let ring = try RingBuffer(map: sensor.eventsMap) { pipeline.consume($0) }

        // Open and exec rules answer from now on, machine-wide, until the guard stops.
        var fanotify: FanotifyGuard?
        if !plan.pathRules.isEmpty {
            do {
                fanotify = try FanotifyGuard(rules: plan.pathRules, log: denialLog, logger: logger)
                try fanotify?.start()
            } catch {
                if let child { kill(child.pid, SIGKILL); _ = child.waitForExit() }
                throw TraceSetupError.invalid("deny rules: fanotify: \(error)")
            }
        }
        defer { fanotify?.stop() }
        StopSignals.install()
        // A closed pipe (`vigil trace | head`) must end the trace with its summary,
        // not kill it: writes then fail with EPIPE, which the output counts.
        let previousPipe = signal(SIGPIPE, SIG_IGN)
        defer {
            StopSignals.remove()
            signal(SIGPIPE, previousPipe)
        }
        if let child, let failure = child.resume() {
            logger.warning("could not start \(options.command?.first ?? ""): \(String(cString: strerror(failure)))")
        }
        let deadline = options.duration.map { Clock.monotonicNanoseconds() + Int64($0 * 1e9) }
        var lostReported: UInt64 = 0
        var nextLossCheck = Clock.monotonicNanoseconds() + 1_000_000_000
        while !StopSignals.requested {
            // Say so while running, not only at the end, when the kernel drops events.
            if Clock.monotonicNanoseconds() >= nextLossCheck {
                nextLossCheck += 1_000_000_000
                let lost = sensor.lostInKernel().values.reduce(0, +)
                if lost > lostReported {
                    logger.warning("ring buffer full: \(lost - lostReported) events lost in the kernel in the last second (\(lost) in all); raise --ring-buffer-size")
                    lostReported = lost
                }
                for text in options.periodic?(false) ?? [] { writer.writeLine(text) }
            }
            // Records are submitted without a wakeup until each CPU has queued its share of
            // a quarter of the ring (bpf/trace_common.bpf.h); poll drains on the timer too.
            try ring.poll(timeoutMilliseconds: 100)
            pipeline.flush()
            if let deadline, Clock.monotonicNanoseconds() >= deadline { break }
            // Nobody reads the events any more: stop (the summary says why).
            if out.lastError == EPIPE { break }
            if let child, let status = child.exitStatusIfEnded() {
                summary.commandStatus = status
                break
            }
        }
        // The command's close() calls have returned, but a connection reaches TCP_CLOSE
        // only once the peer acknowledges its FIN, in softirq or in ksoftirqd: on a busy
        // host (a second tracer, a build) up to 5 ms after the command exited, past the
        // end of the trace. Read on until those closes are in, for at most closeGrace.
        if summary.commandStatus != nil {
            let giveUp = Clock.monotonicNanoseconds() + Int64(Self.closeGrace * 1e9)
            while sensor.connectionsClosing() > 0 && Clock.monotonicNanoseconds() < giveUp && !StopSignals.requested {
                try ring.poll(timeoutMilliseconds: 10)
                pipeline.flush()
            }
        }
        // Everything the kernel submitted before we stopped is still in the ring: drain it.
        sensor.detach()
        while ring.drain() > 0 {}
        summary.connectionsClosing = sensor.connectionsClosing()
        summary.skippedByKernel = sensor.skippedByKernel()
        for (program, n) in summary.skippedByKernel.sorted(by: { $0.key < $1.key }) {
            logger.warning("the kernel skipped \(program) \(n) times (it was already running on that CPU): those events are missing")
        }
        for text in options.periodic?(true) ?? [] { writer.writeLine(text) }
        pipeline.flush()
        if let child, summary.commandStatus == nil, out.lastError == EPIPE {
            // The reader went away, not the user: the command runs on, untraced, to its end.
            summary.commandStatus = child.waitForExit()
        } else if let child, summary.commandStatus == nil {
            kill(child.pid, SIGTERM)
            usleep(100_000)
            summary.commandStatus = child.exitStatusIfEnded()
        }
        summary.events = pipeline.counts
        summary.undecodable = pipeline.undecodable
        summary.outputDroppedBytes = out.droppedBytes
        summary.outputError = out.lastError
        if out.droppedBytes > 0 {
            logger.warning("output: \(out.droppedBytes) bytes of events could not be written: \(String(cString: strerror(out.lastError)))")
        }
        summary.filtered = pipeline.filtered
        fanotify?.stop()
        summary.preventionMechanisms = plan.mechanisms
        summary.denied = denialLog.counts
        summary.unenforced = plan.unenforced
        summary.lostInKernel = sensor.lostInKernel()
        let lost = summary.lostInKernel.values.reduce(0, +)
        if lost > 0 { logger.warning("ring buffer full: \(lost) events lost in the kernel") }
        return summary
    }
}

extension TraceSummary {
    /// The summary printed at the end (events by type, and losses).
    public var text: String {
        let kinds = EventKind.allCases.filter { self.kinds.contains($0) || (events[$0] ?? 0) > 0 }
        var s = "events: " + kinds.map { kind in
            let skipped = filtered[kind].map { " (\($0) not written)" } ?? ""
            return "\(kind.rawValue) \(events[kind] ?? 0)\(skipped)"
        }.joined(separator: ", ")
        if !filtered.isEmpty { s += "; not written: no rule logs them (not lost)" }
        let lost = lostInKernel.values.reduce(0, +)
        s += "\nlost: \(lost) in the kernel (ring buffer full)"
        if lost > 0 {
            // Exec, fork and exit records also feed the process cache when not asked
            // for: their losses are named too (events then lack their executable).
            let cacheOnly = EventKind.allCases.filter { !kinds.contains($0) && (lostInKernel[$0] ?? 0) > 0 }
            s += " [" + kinds.map { "\($0.rawValue) \(lostInKernel[$0] ?? 0)" }.joined(separator: ", ")
            s += cacheOnly.map { ", \($0.rawValue) \(lostInKernel[$0] ?? 0) (process cache)" }.joined() + "]"
        }
        s += ", \(undecodable) undecodable, 0 in user space"
        let skipped = skippedByKernel.values.reduce(0, +)
        s += "\nskipped by the kernel: \(skipped) (a program already running on its CPU)"
        if skipped > 0 { s += " [" + skippedByKernel.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "]" }
        if connectionsClosing > 0 {
            s += "\nstill closing when tracing stopped: \(connectionsClosing) connection\(connectionsClosing == 1 ? "" : "s") (close not reported)"
        }
        if outputDroppedBytes > 0 {
            s += "\noutput: \(outputDroppedBytes) bytes not written (\(String(cString: strerror(outputError))))"
            if outputError == EPIPE { s += "; the reader closed the pipe, so tracing stopped" }
        }
        if !preventionMechanisms.isEmpty {
            let refused = denied.values.reduce(0, +)
            s += "\ndeny: \(preventionMechanisms.joined(separator: ", ")); \(refused) call\(refused == 1 ? "" : "s") denied"
            if refused > 0 { s += " (" + denied.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")" }
        }
        for (rule, reason) in unenforced { s += "\nnot enforced (best effort): \(rule): \(reason)" }
        if let commandStatus { s += "\ncommand exited with status \(commandStatus)" }
        return s
    }
}
