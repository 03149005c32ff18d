import ArgumentParser
import Glibc
import Logging
import ServiceLifecycle
import VigilAgent
import VigilProfile
import VigilSystem
import VigilWatchdog

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the agent: a supervisor with a watchdog, and a worker that runs scheduled queries and records their cost.",
        discussion: """
        Without --config the embedded default configuration runs (a small inventory each hour, processes every
        five minutes). Configs are YAML or osquery JSON (schedule, packs, decorators, options).
        Results go to DATA_DIR/results.log in osquery's format; state lives in DATA_DIR/state.db.
        SIGHUP reloads the config (a config that does not load is refused, the running one stays); SIGTERM stops.
        """
    )

    @Option(help: "Configuration file (YAML, or osquery JSON with schedule, packs, decorators, options).")
    var config: String?

    @Option(help: "osquery flagfile: one --name=value a line; the flags are options over the config's (tls_hostname, enroll_secret_path, …).")
    var flagfile: String?

    @Option(help: "Directory for the state database and results log (default: /var/lib/vigil as root, else ./vigil-data).")
    var dataDir: String?

    @Flag(help: "Show a live one-screen summary (queries, watchdog, the worker's CPU and memory) on standard output.")
    var live = false

    @Flag(name: .shortAndLong, help: "Log debug detail to standard error.")
    var verbose = false

    @Option(help: "The least severe line logged to standard error: debug, info (the default), warning or error. Over the config's verbose and logger_min_status (osquery's).")
    var logLevel: LogLevelArgument?

    @Flag(help: "Check the config (and flagfile) and exit: 0 if valid, 1 with FILE:LINE:COLUMN and the reason if not (osquery's --config_check). Starts nothing.")
    var checkConfig = false

    @Flag(help: "Print the embedded default configuration (what runs without --config; a starting point for one) and exit.")
    var printDefaultConfig = false

    @Flag(help: .hidden)
    var worker = false

    var paths: AgentPaths { AgentPaths(dataDirectory: dataDir ?? AgentPaths.defaultDataDirectory) }

    /// The supervisor reads the config file and hands its text to the worker
    /// (`ConfigHandoff`); both add the flagfile and the server's config (`ConfigSource`).
    var source: ConfigSource { ConfigSource(configPath: config, flagfile: flagfile, dataDirectory: paths.dataDirectory, publishes: !worker) }

    /// The config, with the fleet options checked too (a worker that cannot reach its
    /// server for a wrong option would otherwise fail in silence).
    func loadConfig() throws(ConfigError) -> LoadedConfig {
        let loaded = try source.load()
        do { _ = try FleetOptions.from(loaded.config.options.raw) } catch {
            throw ConfigError(file: flagfile ?? config ?? "<options>", line: 1, column: 1, reason: error.description)
        }
        return loaded
    }

    func run() async throws {
        if printDefaultConfig { return FileDescriptorText.write(ConfigLoader.defaultConfigText + "\n", to: 1) }
        if checkConfig { return try checkOnly() }
        // The worker's lines also go to the fleet server, as osquery's status log.
        Vigil.bootstrapLogging(verbose: verbose, level: .info, chosen: logLevel, statusLog: worker ? StatusLog.shared : nil)
        // The state database and results log hold query results: this user only.
        umask(0o077)
        let logger = Logger(label: worker ? "vigil.worker" : "vigil.agent")
        do { try paths.prepare() } catch {
            FileDescriptorText.write("vigil agent: data directory: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        // The lock first: a refused second agent must not publish its config.
        if worker { DataDirectoryLock.followSupervisor() } else {
            do { try DataDirectoryLock.acquire(paths) } catch {
                FileDescriptorText.write("vigil agent: \(error)\n", to: 2)
                throw ExitCode(2)
            }
        }
        let loaded: LoadedConfig
        do { loaded = try loadConfig() } catch {
            FileDescriptorText.write("vigil agent: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        // The config's level, unless the command line chose one.
        if logLevel == nil && !verbose, let level = ProcessLogLevel.fromConfig(loaded.config.options) { ProcessLogLevel.set(level) }
        if worker { return try await AgentWorker(paths: paths, source: source, config: loaded.config, logger: logger).run() }
        for warning in loaded.warnings { logger.warning("\(warning)") }
        try runSupervisor(loaded.config, logger: logger)
    }

    /// `--check-config`: load and check as the agent would, touching nothing (no data
    /// directory made, no lock, no server asked: a config from the server is not checked).
    func checkOnly() throws {
        let source = ConfigSource(configPath: config, flagfile: flagfile, dataDirectory: paths.dataDirectory, publishes: false)
        do {
            let loaded = try source.load()
            do { _ = try FleetOptions.from(loaded.config.options.raw) } catch {
                throw ConfigError(file: flagfile ?? config ?? "<options>", line: 1, column: 1, reason: error.description)
            }
            for warning in loaded.warnings { FileDescriptorText.write("vigil agent: warning: \(warning)\n", to: 2) }
            FileDescriptorText.write("\(config ?? flagfile ?? "the embedded default config"): ok\n", to: 1)
        } catch {
            FileDescriptorText.write("\(error)\n", to: 2)
            throw ExitCode(1)
        }
    }

    /// The supervisor: start the worker, watch it, restart it.
    func runSupervisor(_ config: AgentConfig, logger: Logger) throws {
        let store: StateStore
        do { store = try StateStore(path: paths.statePath) } catch {
            FileDescriptorText.write("vigil agent: cannot open \(paths.statePath): \(error)\n", to: 2)
            throw ExitCode(2)
        }
        let journal = StateJournal(store: store, exempt: Self.exempt(config), denylistSeconds: Int64(config.options.denylistDuration), logger: logger)
        let supervisor = Supervisor(options: supervisorOptions(config), journal: journal, logger: logger) {
            do {
                let fresh = try loadConfig()
                journal.exempt = Self.exempt(fresh.config)
                journal.denylistSeconds = Int64(fresh.config.options.denylistDuration)
                return supervisorOptions(fresh.config)
            } catch {
                logger.error("config not reloaded, the running one stays in force: \(error)")
                return nil
            }
        }
        if live {
            // The screen is the summary's: logs (ours and the worker's, which inherits
            // the descriptor) go to DATA_DIR/agent.log, and the summary shows their tail.
            let logPath = paths.dataDirectory + "/agent.log"
            let fd = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            if fd >= 0 { dup2(fd, 2); close(fd) }
            let summary = LiveSummary(store: store, dataDirectory: paths.dataDirectory, logPath: logPath)
            supervisor.onTick = { pid in summary.render(workerPID: pid) }
        }
        logger.info("agent started", metadata: ["data-dir": "\(paths.dataDirectory)", "config": "\(self.config ?? "embedded default")"])
        let status = supervisor.run()
        if status != 0 { throw ExitCode(status) }
    }

    func supervisorOptions(_ config: AgentConfig) -> SupervisorOptions {
        let exe = (try? FileSystem.readLink("/proc/self/exe")) ?? CommandLine.arguments[0]
        var arguments = [exe, "agent", "--worker", "--data-dir", paths.dataDirectory]
        if let path = self.config { arguments += ["--config", path] }
        if let path = flagfile { arguments += ["--flagfile", path] }
        if verbose { arguments.append("--verbose") }
        if let logLevel { arguments += ["--log-level", logLevel.rawValue] }
        let w = config.options.watchdog.limits
        let limits = w.enabled ? Limits(memoryMB: w.memoryMB, utilizationPercent: w.utilizationPercent,
                                        latencySeconds: w.latencySeconds, delaySeconds: w.delaySeconds) : nil
        var options = SupervisorOptions(workerArguments: arguments, limits: limits)
        options.inherited = DataDirectoryLock.descriptor.map { [$0] } ?? []
        // Vigil's own option: the longest wait between restarts (60 s by default).
        if let text = config.options.raw["watchdog_restart_delay_max"], let cap = Double(text), cap > 0 {
            options.backoff = Backoff(initialSeconds: min(1, cap), maximumSeconds: cap)
        }
        return options
    }

    /// Queries with `denylist: false`.
    static func exempt(_ config: AgentConfig) -> Set<String> {
        let schedule = Schedule(config: config, hostIdentifier: HostIdentifier.resolve(config.options))
        return Set(schedule.entries.filter { !$0.denylist }.map(\.name))
    }
}
