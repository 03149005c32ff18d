import Yams

/// The `options` section. Every option is kept as written (`raw`), since osquery configs
/// carry many that other parts of Vigil may read later; the ones the agent acts on are
/// checked and typed here, with osquery's names and defaults unless noted.
public struct AgentOptions: Sendable, Equatable {
    /// Every option as text, by name, including the typed ones below.
    public var raw: [String: String] = [:]
    public var watchdog = WatchdogSettings()
    /// Seconds between re-runs of pack discovery queries.
    public var packRefreshInterval = 3600
    /// How the host names itself in results: hostname, uuid, instance, ephemeral or specified.
    public var hostIdentifier = "hostname"
    /// The name used when `host_identifier` is `specified`.
    public var specifiedIdentifier: String?
    /// Each interval is moved by up to this percentage either way, per query and host.
    public var scheduleSplayPercent = 10
    /// Interval of a scheduled query that names none.
    public var scheduleDefaultInterval = 3600
    /// Results of a different epoch do not diff against each other: changing it starts afresh.
    public var scheduleEpoch: Int64 = 0
    /// Where the results log goes; nil means the data directory.
    public var loggerPath: String?
    /// Rotate the results log by size. On by default, unlike osquery: an unbounded log fills disks.
    public var loggerRotate = true
    public var loggerRotateSize = 25 * 1024 * 1024
    public var loggerRotateMaxFiles = 25
    /// osquery's `logger_plugin`: where results go, in order, without repeats.
    public var loggerPlugins: [OutputKind] = [.filesystem]
    /// The syslog socket (Vigil's `logger_syslog_path`; glibc's syslog(3) uses /dev/log).
    public var loggerSyslogPath = "/dev/log"
    /// osquery's `logger_syslog_facility`: 0–23; 19 is local3.
    public var loggerSyslogFacility = 19
    /// `logger_tcp_endpoint` (Vigil's): host:port of a JSON lines collector; needed by `tcp`.
    public var loggerTCPEndpoint: TCPEndpoint?
    /// `logger_tcp_max_pending_bytes` (Vigil's): what is kept for a collector that is down
    /// before the oldest records are dropped. syslog and stdout keep the default.
    public var loggerTCPMaxPendingBytes = AgentOptions.defaultMaxPendingBytes
    /// `logger_tls_max_pending_bytes` (Vigil's): results kept for a fleet server that is
    /// down, 64 MiB by default (hours of a typical schedule), before the oldest are dropped.
    public var loggerTLSMaxPendingBytes: Int64 = 64 << 20
    /// How long a query stays denylisted after the watchdog killed the worker while it ran
    /// (Vigil's option; osquery's duration is fixed at a day).
    public var denylistDuration = 86_400
    /// `verbose`: debug lines on standard error.
    public var verbose = false
    /// `logger_min_status`: 0 info, 1 warning, 2 error, 3 fatal; nil when not set.
    public var loggerMinStatus: Int?
    /// `events_max`: events kept per event table.
    public var eventsMax = 50_000
    /// `events_expiry`: seconds an event stays in its table.
    public var eventsExpiry: Int64 = 3600
    /// `disable_events`: no kernel tracer and empty event tables.
    public var disableEvents = false
    /// `enable_syslog`: read syslog lines from rsyslog through `syslog_pipe_path` (osquery's flags).
    public var enableSyslog = false
    public var syslogPipePath = "/var/osquery/syslog_pipe"
    /// `profiling_keep` (Vigil's): continuous profiles kept on disk.
    public var profilingKeep = 60

    public init() {}

    /// Host identifier kinds osquery accepts.
    public static let hostIdentifierKinds = ["hostname", "uuid", "instance", "ephemeral", "specified"]

    /// What an output that cannot deliver keeps queued: 8 MiB, minutes to hours of a
    /// typical schedule's results, and a bound on the outbox.
    public static let defaultMaxPendingBytes = OutputDefaults.maxPendingBytes
}

/// osquery's watchdog options: a level that sets every limit, and overrides for each.
public struct WatchdogSettings: Sendable, Equatable {
    /// `watchdog_level`: 0 normal, 1 restrictive, -1 off.
    public enum Level: Int, Sendable {
        case normal = 0
        case restrictive = 1
        case off = -1
    }

    public var level = Level.normal
    /// `watchdog_memory_limit`, MB above the worker's initial footprint; nil takes the level's.
    public var memoryLimitMB: Int?
    /// `watchdog_utilization_limit`, percent of all logical cores; nil takes the level's.
    public var utilizationLimitPercent: Int?
    /// `watchdog_latency_limit`, seconds the CPU limit may be exceeded in a row; nil takes the level's.
    public var latencyLimitSeconds: Int?
    /// `watchdog_delay`, seconds after the worker starts before limits apply.
    public var delaySeconds = 60

    public init() {}

    /// The limits in force: the level's, with each override applied.
    public var limits: WatchdogLimits {
        let base: WatchdogLimits
        switch level {
        case .normal: base = WatchdogLimits(enabled: true, memoryMB: 200, utilizationPercent: 10, latencySeconds: 12, delaySeconds: delaySeconds)
        case .restrictive: base = WatchdogLimits(enabled: true, memoryMB: 100, utilizationPercent: 5, latencySeconds: 6, delaySeconds: delaySeconds)
        case .off: return WatchdogLimits(enabled: false, memoryMB: 0, utilizationPercent: 0, latencySeconds: 0, delaySeconds: delaySeconds)
        }
        return WatchdogLimits(enabled: true,
                              memoryMB: memoryLimitMB ?? base.memoryMB,
                              utilizationPercent: utilizationLimitPercent ?? base.utilizationPercent,
                              latencySeconds: latencyLimitSeconds ?? base.latencySeconds,
                              delaySeconds: delaySeconds)
    }
}

/// The watchdog limits after level and overrides are combined.
public struct WatchdogLimits: Sendable, Equatable {
    public var enabled: Bool
    public var memoryMB: Int
    public var utilizationPercent: Int
    public var latencySeconds: Int
    public var delaySeconds: Int

    /// SQLite's heap limit in the worker (`Database.limitHeap`): half the memory limit,
    /// so a greedy query (scheduled or admin) fails with an error of its own well before
    /// the watchdog would stop the worker for it; none with the watchdog off.
    public var sqlHeapMegabytes: Int { enabled && memoryMB > 0 ? max(16, memoryMB / 2) : 0 }
}

extension ConfigParser {
    /// Check and type the options the agent acts on; keep every option as text.
    func parseOptions(_ node: Node) throws(ConfigError) -> AgentOptions {
        var options = AgentOptions()
        for entry in try anyEntries(node, in: "options") {
            guard case .scalar(let scalar) = entry.value else {
                if Self.typedOptions.contains(entry.key) {
                    throw error("option \(entry.key) needs a single value, found \(describe(entry.value))", at: entry.value)
                }
                warn("option \(entry.key) is not a single value; ignored", at: entry.value)
                continue
            }
            options.raw[entry.key] = scalar.string
            let value = entry.value
            let key = entry.key
            switch key {
            case "watchdog_level":
                let n = try integer(value, for: key)
                guard let level = WatchdogSettings.Level(rawValue: n) else {
                    throw error("watchdog_level must be 0 (normal), 1 (restrictive) or -1 (off), found \(n)", at: value)
                }
                options.watchdog.level = level
            // osquery reads 0 as "the level's limit".
            case "watchdog_memory_limit": options.watchdog.memoryLimitMB = try positiveOrDefault(value, for: key)
            case "watchdog_utilization_limit": options.watchdog.utilizationLimitPercent = try positiveOrDefault(value, for: key)
            case "watchdog_latency_limit": options.watchdog.latencyLimitSeconds = try positiveOrDefault(value, for: key)
            case "watchdog_delay": options.watchdog.delaySeconds = try integer(value, for: key, in: 0...86_400)
            case "pack_refresh_interval": options.packRefreshInterval = try integer(value, for: key, in: 1...604_800)
            case "host_identifier":
                let kind = try string(value, for: key)
                guard AgentOptions.hostIdentifierKinds.contains(kind) else {
                    throw error("host_identifier must be one of \(AgentOptions.hostIdentifierKinds.joined(separator: ", ")), found \(quoted(kind))", at: value)
                }
                options.hostIdentifier = kind
            case "specified_identifier": options.specifiedIdentifier = try string(value, for: key)
            case "schedule_splay_percent": options.scheduleSplayPercent = try integer(value, for: key, in: 0...100)
            case "schedule_default_interval": options.scheduleDefaultInterval = try integer(value, for: key, in: 1...604_800)
            case "schedule_epoch": options.scheduleEpoch = Int64(try integer(value, for: key, in: 0...Int.max))
            case "logger_path": options.loggerPath = try string(value, for: key)
            case "logger_rotate": options.loggerRotate = try boolean(value, for: key)
            case "logger_rotate_size": options.loggerRotateSize = try integer(value, for: key, in: 4096...Int.max)
            case "logger_rotate_max_files": options.loggerRotateMaxFiles = try integer(value, for: key, in: 0...1000)
            case "denylist_duration": options.denylistDuration = try integer(value, for: key, in: 1...31_536_000)
            case "logger_plugin": options.loggerPlugins = try loggerPlugins(value)
            case "logger_syslog_path": options.loggerSyslogPath = try string(value, for: key)
            case "logger_syslog_facility": options.loggerSyslogFacility = try integer(value, for: key, in: 0...23)
            case "logger_tcp_endpoint":
                switch TCPEndpoint.parse(try string(value, for: key)) {
                case .success(let endpoint): options.loggerTCPEndpoint = endpoint
                case .failure(let reason): throw error("logger_tcp_endpoint \(reason); write HOST:PORT or [IPV6]:PORT", at: value)
                }
            case "logger_tcp_max_pending_bytes": options.loggerTCPMaxPendingBytes = Int64(try integer(value, for: key, in: 4096...Int.max))
            case "logger_tls_max_pending_bytes": options.loggerTLSMaxPendingBytes = Int64(try integer(value, for: key, in: 4096...Int.max))
            // Read where they are used (ProfileWriterService, AdminService, the supervisor);
            // checked here so that a wrong value is an error at load, not the default in silence.
            case "verbose": options.verbose = try boolean(value, for: key)
            case "logger_min_status": options.loggerMinStatus = try integer(value, for: key, in: 0...3)
            case "events_max": options.eventsMax = try integer(value, for: key, in: 1...10_000_000)
            case "events_expiry": options.eventsExpiry = Int64(try integer(value, for: key, in: 1...31_536_000))
            case "disable_events": options.disableEvents = try boolean(value, for: key)
            case "enable_syslog": options.enableSyslog = try boolean(value, for: key)
            case "syslog_pipe_path":
                let path = try string(value, for: key)
                guard path.hasPrefix("/") else { throw error("syslog_pipe_path must be an absolute path, found '\(path)'", at: value) }
                options.syslogPipePath = path
            case "profiling_keep": options.profilingKeep = try integer(value, for: key, in: 1...100_000)
            case "profiling_frequency": _ = try integer(value, for: key, in: 1...10_000)
            case "probabilistic_threshold": _ = try integer(value, for: key, in: 1...100)
            case "profiling_interval":
                let seconds = try decimal(value, for: key, in: 0...86_400)
                if seconds > 0 && seconds < 1 { throw error("profiling_interval is 0 (off) or at least 1 second, found \(seconds)", at: value) }
            case "probabilistic_interval": _ = try decimal(value, for: key, in: 1...86_400)
            case "admin_query_timeout": _ = try decimal(value, for: key, in: 0.1...3_600)
            case "watchdog_restart_delay_max": _ = try decimal(value, for: key, in: 0...86_400)
            case "lxd_socket": _ = try string(value, for: key)
            default: break
            }
        }
        if options.hostIdentifier == "specified" && (options.specifiedIdentifier ?? "").isEmpty {
            throw error("host_identifier is 'specified' but specified_identifier is not set; add specified_identifier: NAME", at: node)
        }
        if options.loggerPlugins.contains(.tls) && (options.raw["tls_hostname"] ?? "").isEmpty {
            throw error("logger_plugin includes tls but tls_hostname is not set; add tls_hostname: HOST:PORT", at: node)
        }
        if options.loggerPlugins.contains(.tcp) && options.loggerTCPEndpoint == nil {
            throw error("logger_plugin includes tcp but logger_tcp_endpoint is not set; add logger_tcp_endpoint: HOST:PORT", at: node)
        }
        return options
    }

    static let typedOptions: Set<String> = [
        "watchdog_level", "watchdog_memory_limit", "watchdog_utilization_limit", "watchdog_latency_limit",
        "watchdog_delay", "pack_refresh_interval", "host_identifier", "specified_identifier",
        "schedule_splay_percent", "schedule_default_interval", "schedule_epoch", "logger_path",
        "logger_rotate", "logger_rotate_size", "logger_rotate_max_files", "denylist_duration",
        "logger_plugin", "logger_syslog_path", "logger_syslog_facility", "logger_tcp_endpoint",
        "logger_tcp_max_pending_bytes", "logger_tls_max_pending_bytes",
        "verbose", "logger_min_status", "events_max", "events_expiry", "disable_events", "enable_syslog", "syslog_pipe_path", "profiling_keep", "profiling_frequency", "probabilistic_threshold",
        "profiling_interval", "probabilistic_interval", "admin_query_timeout", "watchdog_restart_delay_max", "lxd_socket",
    ]

    /// A number with a fraction allowed (seconds), within `range`.
    private func decimal(_ node: Node, for what: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        let text = try string(node, for: what)
        guard let value = Double(text.trimmingSpaces()), value.isFinite else {
            throw error("expected a number for \(what), found '\(text)'", at: node)
        }
        guard range.contains(value) else {
            func show(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }
            throw error("\(what) must be from \(show(range.lowerBound)) to \(show(range.upperBound)), found \(text)", at: node)
        }
        return value
    }

    /// `logger_plugin`: a comma-separated list of output names, each known.
    private func loggerPlugins(_ node: Node) throws(ConfigError) -> [OutputKind] {
        var kinds: [OutputKind] = []
        for part in try string(node, for: "logger_plugin").split(separator: ",") {
            let name = String(part).trimmingSpaces()
            guard let kind = OutputKind(rawValue: name) else {
                throw error("logger_plugin names an unknown output '\(name)'; the outputs are \(OutputKind.names)", at: node)
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        guard !kinds.isEmpty else { throw error("logger_plugin names no output; the outputs are \(OutputKind.names)", at: node) }
        return kinds
    }

    private func positiveOrDefault(_ node: Node, for what: String) throws(ConfigError) -> Int? {
        let n = try integer(node, for: what, in: 0...1_000_000)
        return n == 0 ? nil : n
    }
}
