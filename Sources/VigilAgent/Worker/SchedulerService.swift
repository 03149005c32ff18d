import Glibc
import Logging
import ServiceLifecycle
import Synchronization
import VigilSQL
import VigilSystem
import VigilTables

/// The worker's main service: runs each scheduled query when it is due, marks it
/// "executing" in the state store first (so the supervisor knows whom to blame if
/// the worker is killed), measures its cost on this thread, and records results
/// (differential or snapshot) exactly once in the results log. SIGHUP reloads the
/// configuration; a config that does not load is refused and the current one kept.
public final class SchedulerService: Service, @unchecked Sendable {
    // @unchecked: everything below is used by `run` alone, except `interrupter` and
    // `queriesRun`, which are thread-safe.
    let paths: AgentPaths
    let source: ConfigSource
    /// Where the `tls` output hands results to the fleet service (nil without a server).
    let fleetLog: FleetLogChannel?
    let logger: Logger
    let store: StateStore
    let view: AgentStateView
    var config: AgentConfig
    var recorder: ResultsRecorder
    var database: Database
    var schedule: Schedule
    var scheduler: Scheduler
    /// Each change reaches osquery_schedule, which leaves out the packs that are off.
    var discovery: PackDiscovery { didSet { view.update(discovery: discovery) } }
    var decorations: DecorationState
    let hostIdentifier: String
    let interrupter: Interrupter
    /// The event tables' stores (fed by `EventTracerService`).
    public let events: EventStores
    private let runs = Atomic<Int64>(0)
    /// Denylisted queries already reported as skipped (said once per denylisting).
    private var reportedSkips: Set<String> = []

    /// Queries this worker has run.
    public var queriesRun: Int64 { runs.load(ordering: .relaxed) }

    public init(paths: AgentPaths, source: ConfigSource, config: AgentConfig, events: EventStores, fleetLog: FleetLogChannel? = nil, logger: Logger) throws {
        self.events = events
        self.paths = paths
        self.source = source
        self.fleetLog = fleetLog
        self.config = config
        self.logger = logger
        hostIdentifier = HostIdentifier.resolve(config.options)
        Database.limitHeap(megabytes: config.options.watchdog.limits.sqlHeapMegabytes)
        store = try StateStore(path: paths.statePath)
        // The previous worker's marker was read by the supervisor before this one started.
        try store.clearExecuting()
        try store.clearAdHoc()
        let now = Self.now()
        _ = try store.removeExpiredDenylist(at: now)
        recorder = try Self.recorder(for: config, paths: paths, store: store, hostIdentifier: hostIdentifier, fleetLog: fleetLog)
        let delivered = try recorder.deliverPending()
        if delivered > 0 { logger.info("delivered \(delivered) results a previous worker had committed") }
        schedule = Schedule(config: config, hostIdentifier: hostIdentifier)
        view = AgentStateView(statePath: paths.statePath, schedule: schedule, startTime: now)
        view.update(configText: source.text())
        database = try Database(tables: Self.tables(view: view, events: events, config: config))
        interrupter = Interrupter(database)
        scheduler = Scheduler(entries: schedule.entries, now: now, lastExecuted: try store.lastExecuted())
        discovery = PackDiscovery(queries: schedule.discovery, refreshInterval: config.options.packRefreshInterval, now: now)
        view.update(discovery: discovery)
        view.update(flags: AgentFlags.Settings(options: config.options, configPath: source.configPath, flagfile: source.flagfile))
        decorations = DecorationState(decorators: config.decorators)
        for skipped in schedule.skipped { logger.info("not scheduled: \(skipped.name): \(skipped.reason)") }
        let db = database
        decorations.load(now: now) { (sql: String) throws(QueryFailure) in try QueryExecutor.run(sql, on: db).rows }
    }

    /// Every table a scheduled query may read: the OS tables and the agent's own,
    /// prometheus_metrics with the config's targets, and the lxd tables on the socket
    /// of the `lxd_socket` option (osquery's flag) when it names one.
    static func tables(view: AgentStateView, events: EventStores, config: AgentConfig) -> [any VirtualTable] {
        TableRegistry.all(adding: (config.options.raw["lxd_socket"].map(LXDAPI.tables(socket:)) ?? []) + [
            PrometheusMetricsTable(targets: config.prometheusTargets ?? PrometheusMetricsTable.Targets(urls: [])),
            ScheduleTable(view: view, osqueryCompatible: false), ScheduleTable(view: view, osqueryCompatible: true),
            WatchdogTable(view: view), TelemetryTable(view: view), OutputsTable(view: view),
            EventsTable(stores: events),
            OsqueryInfoTable(view: view), OsqueryEventsTable(stores: events),
            OsqueryFlagsTable(view: view), OsqueryPacksTable(view: view),
        ] + events.tables)
    }

    static func recorder(for config: AgentConfig, paths: AgentPaths, store: StateStore, hostIdentifier: String, fleetLog: FleetLogChannel?) throws -> ResultsRecorder {
        let o = config.options
        let path = resultsLogPath(o.loggerPath, default: paths.defaultResultsLog)
        let rotation = o.loggerRotate ? Output.Rotation(path: path, maxBytes: o.loggerRotateSize, keep: o.loggerRotateMaxFiles) : nil
        let log = o.loggerPlugins.contains(.filesystem) ? try ResultsLogFile(path: path, rotation: rotation) : nil
        let outputs: [any RecordOutput] = o.loggerPlugins.compactMap { kind in
            switch kind {
            case .filesystem: return nil
            case .syslog: return SyslogOutput(path: o.loggerSyslogPath, facility: o.loggerSyslogFacility)
            case .stdout: return StdoutOutput()
            // The parser refuses tcp without an endpoint.
            case .tcp: return o.loggerTCPEndpoint.map { TCPOutput(endpoint: $0, maxPendingBytes: o.loggerTCPMaxPendingBytes) }
            // Refused at start without tls_hostname; results wait for a server down for hours.
            case .tls: return fleetLog.map { TLSLoggerOutput(channel: $0, maxPendingBytes: o.loggerTLSMaxPendingBytes) }
            }
        }
        return ResultsRecorder(store: store, log: log, outputs: outputs, hostIdentifier: hostIdentifier, epoch: o.scheduleEpoch)
    }

    /// Where results go: osquery's `logger_path` names a directory holding
    /// osqueryd.results.log; Vigil also takes a file path there (its own earlier
    /// meaning). A path that is a directory, or ends in '/', is osquery's kind.
    /// Snapshot results go to the same file (osquery writes osqueryd.snapshots.log).
    static func resultsLogPath(_ loggerPath: String?, default defaultPath: String) -> String {
        guard let path = loggerPath else { return defaultPath }
        var info = stat()
        guard path.hasSuffix("/") || (stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR) else { return path }
        return (path.hasSuffix("/") ? String(path.dropLast()) : path) + "/osqueryd.results.log"
    }

    /// The options a recorder is built from: a reload that changes one builds a new one.
    static func outputOptions(_ o: AgentOptions) -> [String] {
        [o.loggerPath ?? "", "\(o.loggerRotate)", "\(o.loggerRotateSize)", "\(o.loggerRotateMaxFiles)", "\(o.scheduleEpoch)",
         o.loggerPlugins.map(\.rawValue).joined(separator: ","), o.loggerSyslogPath, "\(o.loggerSyslogFacility)",
         o.loggerTCPEndpoint?.description ?? "", "\(o.loggerTCPMaxPendingBytes)", "\(o.loggerTLSMaxPendingBytes)"]
    }

    static func now() -> Int64 { Clock.realtimeNanoseconds() / 1_000_000_000 }

    public func run() async throws {
        // Signals wake the loop through this eventfd; made before the handlers that write it.
        let wake = SignalWakeup.descriptor
        HangupSignal.install()
        // SIGUSR1 is the supervisor's warning that a limit was crossed; the SIGTERM that
        // follows stops us. Say so in the log, which is all a warning can do.
        signal(SIGUSR1) { _ in warningReceived.store(true, ordering: .relaxed); SignalWakeup.notify() }
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                SignalWakeup.drain()
                if warningReceived.exchange(false, ordering: .relaxed) {
                    logger.warning("the watchdog says this worker is over a limit; it will be stopped")
                }
                if HangupSignal.take() { reload() }
                runDue(at: Self.now())
                // Retries outputs that were down (cheap when nothing waits).
                for message in recorder.deliverOutputs() { logger.warning("\(message)") }
                // Asleep until the next query or discovery is due, a signal, or shutdown.
                let seconds = sleepSeconds(at: Double(Clock.realtimeNanoseconds()) / 1e9)
                _ = await cancelWhenGracefulShutdown { await Readiness.readable(wake, timeout: seconds) }
            }
        } onGracefulShutdown: { [interrupter] in
            interrupter.interrupt()
        }
    }

    /// How long the loop may sleep at `now` (Unix seconds, with fraction): until the
    /// next due query or pack discovery, a second while an output has records waiting
    /// (it was down, or a post is in flight), and never over `longestSleep`.
    func sleepSeconds(at now: Double) -> Double {
        var seconds = Self.longestSleep
        if let due = [scheduler.nextDueTime, discovery.nextCheckTime].compactMap({ $0 }).min() {
            // Due times are whole seconds; wake just after the second turns.
            seconds = min(seconds, max(0, Double(due) - now) + 0.05)
        }
        if recorder.outputsWaiting { seconds = min(seconds, 1) }
        return seconds
    }

    /// Due times are on the wall clock, the sleep on a monotonic one: waking at least
    /// this often notices a clock step within a minute.
    static let longestSleep = 60.0

    /// Discovery, then each due query in turn.
    func runDue(at now: Int64) {
        for pack in discovery.due(at: now) {
            let queries = discovery.queries[pack] ?? []
            let db = database
            let (enabled, error) = PackDiscovery.evaluate(queries) { (sql: String) throws(QueryFailure) in try QueryExecutor.run(sql, on: db).rows.count }
            if let error { logger.warning("discovery query of pack \(pack) failed: \(error); the pack is off") }
            if enabled != discovery.isEnabled(pack) { logger.info("pack \(pack) is \(enabled ? "on" : "off") (discovery)") }
            discovery.record(pack: pack, enabled: enabled, at: now)
        }
        for entry in scheduler.take(at: now, packEnabled: { discovery.check($0) }) {
            if Task.isShuttingDownGracefully { return }
            run(entry, at: now)
        }
    }

    func run(_ entry: ScheduleEntry, at now: Int64) {
        do {
            if let denied = try store.denylistEntry(entry.name, at: now) {
                if reportedSkips.insert(entry.name).inserted {
                    logger.warning("skipping denylisted query \(entry.name) until \(denied.until): \(denied.measured)")
                }
                return
            }
            reportedSkips.remove(entry.name)
            try store.markExecuting(entry.name, at: now, pid: getpid())
        } catch {
            logger.error("state store: \(error); \(entry.name) not run")
            view.note(stateError: "\(error)")
            return
        }
        let db = database
        let decorated = decorations.decorations(at: now) { (sql: String) throws(QueryFailure) in try QueryExecutor.run(sql, on: db).rows }
        runs.add(1, ordering: .relaxed)
        // Event tables show this query the events since its last successful run.
        events.begin(query: entry.name)
        var recorded = false
        defer { events.end(query: entry.name, succeeded: recorded) }
        do {
            let result = try QueryExecutor.run(entry.query, on: database)
            let outcome = try recorder.record(entry, rows: result.rows, cost: result.cost, decorations: decorated, at: now,
                                              eventBased: events.scanned(by: entry.name))
            recorded = true
            view.note(stateError: nil)
            if let problem = outcome.deliveryError { logger.error("results of \(entry.name) are kept for later: \(problem)") }
            for message in outcome.outputMessages { logger.warning("\(message)") }
        } catch let failure as QueryFailure {
            // Interrupted by shutdown: leave the marker; the supervisor decides.
            if Task.isShuttingDownGracefully { return }
            logger.warning("query \(entry.name) failed: \(failure)")
            do { try recorder.recordFailure(entry, failure: failure, at: now) } catch { logger.error("state store: \(error)") }
        } catch {
            logger.error("results of \(entry.name) not recorded: \(error)")
        }
    }

    /// SIGHUP: load the config again; keep the current one if it does not load.
    func reload() {
        let loaded: LoadedConfig
        do {
            loaded = try source.load()
        } catch {
            logger.error("config not reloaded, the current one stays in force: \(error)")
            return
        }
        for warning in loaded.warnings { logger.warning("\(warning)") }
        Database.limitHeap(megabytes: loaded.config.options.watchdog.limits.sqlHeapMegabytes)
        if Self.outputOptions(loaded.config.options) != Self.outputOptions(config.options) {
            do {
                recorder = try Self.recorder(for: loaded.config, paths: paths, store: store, hostIdentifier: hostIdentifier, fleetLog: fleetLog)
            } catch {
                logger.error("results outputs not changed, the current ones stay: \(error)")
            }
            do { try recorder.deliverPending() } catch { logger.error("results are kept for later: \(error)") }
        }
        if loaded.config.filePaths != config.filePaths { events.postFilePaths(loaded.config.filePaths) }
        config = loaded.config
        let now = Self.now()
        schedule = Schedule(config: config, hostIdentifier: hostIdentifier)
        view.update(schedule: schedule)
        view.update(configText: source.text())
        view.update(flags: AgentFlags.Settings(options: config.options, configPath: source.configPath, flagfile: source.flagfile))
        scheduler = Scheduler(entries: schedule.entries, now: now, lastExecuted: (try? store.lastExecuted()) ?? [:])
        discovery = PackDiscovery(queries: schedule.discovery, refreshInterval: config.options.packRefreshInterval, now: now)
        decorations = DecorationState(decorators: config.decorators)
        let db = database
        decorations.load(now: now) { (sql: String) throws(QueryFailure) in try QueryExecutor.run(sql, on: db).rows }
        try? store.forgetResults(except: Set(schedule.entries.map(\.name)))
        logger.info("config reloaded: \(schedule.entries.count) scheduled queries")
    }
}

/// Set by SIGUSR1 (the supervisor's warning).
let warningReceived = Atomic<Bool>(false)

/// Stops a running query from another thread (sqlite3_interrupt is thread-safe).
final class Interrupter: @unchecked Sendable {
    private let database: Database
    init(_ database: Database) { self.database = database }
    func interrupt() { database.interrupt() }
}
