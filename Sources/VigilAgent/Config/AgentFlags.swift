import VigilProfile
import VigilTables
import VigilWatchdog

/// The options and flags Vigil honours, as `osquery_flags` lists them: osquery's name
/// and type where osquery has the flag, and the value in force. Each value is read
/// from the typed options the agent runs on (`AgentOptions`, `FleetOptions`, the
/// profiler's and the supervisor's settings); its default is the same reading of
/// those types' defaults, so the table cannot drift from the code.
public struct AgentFlag: Sendable {
    public let name: String
    /// osquery's flag type: bool, int32, uint64, double or string.
    public let type: String
    public let description: String
    public let shellOnly: Bool
    let read: @Sendable (AgentFlags.Settings) -> String

    public func value(_ settings: AgentFlags.Settings) -> String { read(settings) }
    public var defaultValue: String { read(AgentFlags.Settings()) }
}

public enum AgentFlags {
    /// What the values are read from: the options in force, and the command line.
    public struct Settings: Sendable {
        public var options: AgentOptions
        /// `vigil agent --config` (osquery's config_path).
        public var configPath: String?
        /// `--flagfile`.
        public var flagfile: String?

        public init(options: AgentOptions = AgentOptions(), configPath: String? = nil, flagfile: String? = nil) {
            self.options = options
            self.configPath = configPath
            self.flagfile = flagfile
        }
    }

    /// Every flag, by name.
    public static let all: [AgentFlag] = (command + agent + watchdog + logger + events + containers + fleet + profiling).sorted { $0.name < $1.name }

    private static func flag(_ name: String, _ type: String, _ description: String, shellOnly: Bool = false,
                             _ read: @escaping @Sendable (Settings) -> String) -> AgentFlag {
        AgentFlag(name: name, type: type, description: description, shellOnly: shellOnly, read: read)
    }

    private static func option(_ name: String, _ type: String, _ description: String,
                               _ read: @escaping @Sendable (AgentOptions) -> String) -> AgentFlag {
        flag(name, type, description) { read($0.options) }
    }

    /// A fleet flag: as set, else FleetOptions' default (the agent checks it at start).
    private static func fleetFlag(_ name: String, _ type: String, _ description: String,
                                  _ read: @escaping @Sendable (FleetOptions) -> String = { _ in "" }) -> AgentFlag {
        flag(name, type, description) { $0.options.raw[name] ?? read(FleetOptions.defaults) }
    }

    static let command: [AgentFlag] = [
        flag("config_path", "string", "Config file the agent reads (vigil agent --config); empty: the embedded default") { $0.configPath ?? "" },
        flag("flagfile", "string", "File of --name=value flags read over the config's options (vigil agent --flagfile)") { $0.flagfile ?? "" },
    ]

    static let agent: [AgentFlag] = [
        option("host_identifier", "string", "How the host names itself in results: hostname, uuid, instance, ephemeral or specified") { $0.hostIdentifier },
        option("specified_identifier", "string", "The host's name when host_identifier is specified") { $0.specifiedIdentifier ?? "" },
        option("pack_refresh_interval", "uint64", "Seconds a pack's discovery result is kept before its queries run again") { "\($0.packRefreshInterval)" },
        option("schedule_splay_percent", "uint64", "Percent each query's interval is moved, per query and host") { "\($0.scheduleSplayPercent)" },
        option("schedule_default_interval", "uint64", "Interval of a scheduled query that gives none") { "\($0.scheduleDefaultInterval)" },
        option("schedule_epoch", "uint64", "Results of another epoch are not compared: a new value starts the differences afresh") { "\($0.scheduleEpoch)" },
        option("denylist_duration", "uint64", "Seconds a query stays denylisted after the watchdog stopped the worker during it (Vigil's)") { "\($0.denylistDuration)" },
        option("verbose", "bool", "Debug lines on standard error") { "\($0.verbose)" },
        option("logger_min_status", "int32", "Least severe status line logged: 0 info, 1 warning, 2 error, 3 fatal") { "\($0.loggerMinStatus ?? 0)" },
        option("admin_query_timeout", "double", "Seconds an ad hoc query in the agent may run (Vigil's); by default under the watchdog's latency limit") {
            formatted(AdminService.queryTimeout($0))
        },
    ]

    static let watchdog: [AgentFlag] = [
        option("watchdog_level", "int32", "Watchdog limits: 0 normal, 1 restrictive, -1 off") { "\($0.watchdog.level.rawValue)" },
        option("watchdog_memory_limit", "uint64", "Worker memory limit in MB over its start; 0 takes the level's") { "\($0.watchdog.memoryLimitMB ?? 0)" },
        option("watchdog_utilization_limit", "uint64", "Worker CPU limit in percent; 0 takes the level's") { "\($0.watchdog.utilizationLimitPercent ?? 0)" },
        option("watchdog_latency_limit", "uint64", "Seconds the CPU limit may be passed in a row; 0 takes the level's") { "\($0.watchdog.latencyLimitSeconds ?? 0)" },
        option("watchdog_delay", "uint64", "Seconds after the worker starts before its limits apply") { "\($0.watchdog.delaySeconds)" },
        flag("watchdog_restart_delay_max", "double", "Longest wait in seconds before the worker is restarted (Vigil's)") {
            $0.options.raw["watchdog_restart_delay_max"] ?? formatted(Backoff().maximumSeconds)
        },
    ]

    static let logger: [AgentFlag] = [
        option("logger_plugin", "string", "Where results go, comma-separated: filesystem, syslog, stdout, tcp, tls") { $0.loggerPlugins.map(\.rawValue).joined(separator: ",") },
        option("logger_path", "string", "Folder (or file) of the results log; empty: the data directory") { $0.loggerPath ?? "" },
        option("logger_rotate", "bool", "Rotate the results log by size") { "\($0.loggerRotate)" },
        option("logger_rotate_size", "uint64", "Bytes of results log before it is rotated") { "\($0.loggerRotateSize)" },
        option("logger_rotate_max_files", "uint64", "Rotated results logs kept") { "\($0.loggerRotateMaxFiles)" },
        option("logger_syslog_facility", "int32", "Syslog facility of results (0-23)") { "\($0.loggerSyslogFacility)" },
        option("logger_syslog_path", "string", "Syslog socket for results (Vigil's)") { $0.loggerSyslogPath },
        option("logger_tcp_endpoint", "string", "HOST:PORT of a JSON lines collector for the tcp logger (Vigil's)") { $0.loggerTCPEndpoint?.description ?? "" },
        option("logger_tcp_max_pending_bytes", "uint64", "Bytes kept for a tcp collector that is down (Vigil's)") { "\($0.loggerTCPMaxPendingBytes)" },
        option("logger_tls_max_pending_bytes", "uint64", "Bytes of results kept for a fleet server that is down (Vigil's)") { "\($0.loggerTLSMaxPendingBytes)" },
    ]

    static let events: [AgentFlag] = [
        option("disable_events", "bool", "No kernel tracer: the event tables stay empty") { "\($0.disableEvents)" },
        option("events_max", "uint64", "Events kept per event table") { "\($0.eventsMax)" },
        option("events_expiry", "uint64", "Seconds an event is kept") { "\($0.eventsExpiry)" },
        option("enable_syslog", "bool", "Read syslog_events from rsyslog through syslog_pipe_path") { "\($0.enableSyslog)" },
        option("syslog_pipe_path", "string", "Named pipe rsyslog writes syslog_events to") { $0.syslogPipePath },
    ]

    static let containers: [AgentFlag] = [
        option("lxd_socket", "string", "LXD's unix socket, for the lxd_* tables") { $0.raw["lxd_socket"] ?? LXDAPI.defaultSocket },
    ]

    static let fleet: [AgentFlag] = [
        fleetFlag("tls_hostname", "string", "HOST:PORT of the fleet server"),
        fleetFlag("tls_server_certs", "string", "PEM file of the certificates to trust for the server; empty: the system's"),
        fleetFlag("tls_client_cert", "string", "PEM client certificate for the server"),
        fleetFlag("tls_client_key", "string", "PEM key of the client certificate"),
        fleetFlag("enroll_secret_path", "string", "File holding the enroll secret"),
        fleetFlag("enroll_secret_env", "string", "Environment variable holding the enroll secret"),
        fleetFlag("enroll_tls_endpoint", "string", "Enrollment path on the server") { $0.enrollEndpoint },
        fleetFlag("config_plugin", "string", "tls takes the schedule, packs and options from the server"),
        fleetFlag("config_tls_endpoint", "string", "Config path on the server") { $0.configEndpoint },
        fleetFlag("config_refresh", "uint64", "Seconds between config fetches; 0 fetches once") { "\($0.configRefreshSeconds)" },
        fleetFlag("config_tls_refresh", "uint64", "Older name of config_refresh") { "\($0.configRefreshSeconds)" },
        fleetFlag("logger_tls_endpoint", "string", "Log path on the server") { $0.loggerEndpoint },
        fleetFlag("logger_tls_period", "uint64", "Seconds between log sends to the server") { "\($0.loggerPeriodSeconds)" },
        fleetFlag("logger_tls_max_lines", "uint64", "Log lines per send") { "\($0.loggerMaxLines)" },
        fleetFlag("logger_tls_compress", "bool", "Gzip the log sends") { "\($0.loggerCompress)" },
        fleetFlag("disable_distributed", "bool", "No live queries from the server") { "\(!$0.distributed)" },
        fleetFlag("distributed_plugin", "string", "Where live queries come from") { _ in FleetOptions.defaultDistributedPlugin },
        fleetFlag("distributed_interval", "uint64", "Seconds between asks for live queries") { "\($0.distributedIntervalSeconds)" },
        fleetFlag("distributed_tls_read_endpoint", "string", "Live query read path on the server") { $0.readEndpoint },
        fleetFlag("distributed_tls_write_endpoint", "string", "Live query write path on the server") { $0.writeEndpoint },
        fleetFlag("vigil_telemetry_interval", "uint64", "Seconds between the agent's health reports to a Vigil server; 0 off (Vigil's)") { "\($0.telemetrySeconds)" },
    ]

    /// The continuous profiler's settings, read as the worker reads them.
    private static func profiler(_ o: AgentOptions) -> ContinuousOptions {
        ProfileWriterService.options(from: AgentConfig(options: o)) ?? ContinuousOptions()
    }

    static let profiling: [AgentFlag] = [
        option("profiling_interval", "double", "Seconds per continuous profile; 0: no continuous profiling (Vigil's)") { o in
            ProfileWriterService.options(from: AgentConfig(options: o)).map { formatted(Double($0.intervalNanoseconds) / 1e9) } ?? "0"
        },
        option("profiling_frequency", "uint64", "Samples per second and CPU of the continuous profiler (Vigil's)") { "\(profiler($0).sampler.frequency)" },
        option("profiling_keep", "uint64", "Continuous profiles kept on disk (Vigil's)") { "\($0.profilingKeep)" },
        option("probabilistic_threshold", "uint64", "Percent of probabilistic intervals profiled; 100: always (Vigil's)") { "\(profiler($0).probabilisticThreshold)" },
        option("probabilistic_interval", "double", "Seconds per probabilistic profiling decision (Vigil's)") { formatted(Double(profiler($0).probabilisticIntervalNanoseconds) / 1e9) },
    ]

    /// Whole seconds without a fraction, as they were written.
    static func formatted(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
