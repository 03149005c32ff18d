import VigilTables
import VigilYAML

/// The agent's configuration: the same sections as an osquery config (`schedule`,
/// `packs`, `decorators`, `options`, `file_paths`…), read from YAML or osquery JSON.
public struct AgentConfig: Sendable, Equatable {
    /// Top-level scheduled queries by name, in the order the file lists them.
    public var schedule: [ScheduledQuery]
    public var packs: [Pack]
    public var decorators: Decorators
    public var options: AgentOptions
    /// Paths whose changes go to `file_events`.
    public var filePaths = FilePaths()
    /// What `prometheus_metrics` scrapes (osquery's `prometheus_targets`); nil: none.
    public var prometheusTargets: PrometheusMetricsTable.Targets?

    public init(schedule: [ScheduledQuery] = [], packs: [Pack] = [], decorators: Decorators = Decorators(), options: AgentOptions = AgentOptions()) {
        self.schedule = schedule
        self.packs = packs
        self.decorators = decorators
        self.options = options
    }
}

/// One query of the schedule or of a pack, as written.
public struct ScheduledQuery: Sendable, Equatable {
    public var name: String
    public var query: String
    /// Seconds between runs (before splay).
    public var interval: Int
    /// One `snapshot` record with every row per run, instead of added/removed differences.
    public var snapshot: Bool = false
    /// Log rows that disappeared (`removed: false` keeps only additions).
    public var removed: Bool = true
    /// osquery platform names, comma-separated ("linux", "posix", "darwin,linux"); nil means all.
    public var platform: String?
    /// Percentage of hosts (1–100) that run the query; nil means every host.
    public var shard: Int?
    /// False exempts the query from denylisting when the watchdog kills the worker during it.
    public var denylist: Bool = true
    /// Minimum osquery version the query was written for; kept, not enforced (Vigil is not osquery).
    public var version: String?
    public var description: String?

    public init(name: String, query: String, interval: Int) {
        self.name = name
        self.query = query
        self.interval = interval
    }
}

/// A named group of queries with discovery queries that gate it.
public struct Pack: Sendable, Equatable {
    public var name: String
    public var queries: [ScheduledQuery]
    /// The pack runs only while every discovery query returns at least one row.
    public var discovery: [String] = []
    public var platform: String?
    public var shard: Int?
    public var version: String?
    /// The file the pack came from, when it was given as a path.
    public var source: String?

    public init(name: String, queries: [ScheduledQuery]) {
        self.name = name
        self.queries = queries
    }
}

/// Queries whose first row's columns are added as `decorations` to every result.
public struct Decorators: Sendable, Equatable {
    /// Run when the configuration loads or reloads.
    public var load: [String] = []
    /// Run before each scheduled query.
    public var always: [String] = []
    /// Run every N seconds, by N.
    public var interval: [Int: [String]] = [:]

    public init(load: [String] = [], always: [String] = [], interval: [Int: [String]] = [:]) {
        self.load = load
        self.always = always
        self.interval = interval
    }

    public var isEmpty: Bool { load.isEmpty && always.isEmpty && interval.isEmpty }
}

/// Something in a config that Vigil skipped rather than refused (an unknown key, as
/// osquery packs in the wild carry), with where it is.
public struct ConfigWarning: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    public let message: String

    public var description: String { "\(file):\(line):\(column): warning: \(message)" }
}

/// A config that cannot be used, and where: `FILE:LINE:COLUMN: REASON`, the form editors
/// jump to. The reason says what was wrong and what to write instead.
public typealias ConfigError = LocatedError<ConfigFile>

/// The kind of file a `ConfigError` is about: an agent config or a pack file.
public enum ConfigFile {}

/// A parsed config with the warnings met on the way, for the caller to log.
public struct LoadedConfig: Sendable {
    public var config: AgentConfig
    public var warnings: [ConfigWarning]
}
