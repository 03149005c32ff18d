import Glibc
import VigilSQL
import VigilSystem
import VigilTables

/// `osquery_info`: the running agent as osquery describes itself, so packs that
/// read it (for the host uuid, the version, the watcher) run unchanged.
public struct OsqueryInfoTable: VirtualTable {
    public let schema = TableSchema("osquery_info", "Top level information about the running agent (osquery's columns): worker pid, host uuid, version, config hash, watcher.", [
        Column("pid", .integer, "Process (or thread/handle) ID"),
        Column("uuid", .text, "Unique ID provided by the system"),
        Column("instance_id", .text, "Unique, long-lived ID per instance of osquery"),
        Column("version", .text, "osquery toolkit version").collated(.version),
        Column("config_hash", .text, "Hash of the working configuration state"),
        Column("config_valid", .integer, "1 if the config was loaded and considered valid, else 0"),
        Column("extensions", .text, "osquery extensions status"),
        Column("build_platform", .text, "osquery toolkit build platform"),
        Column("build_distro", .text, "osquery toolkit platform distribution name (os version)"),
        Column("start_time", .integer, "UNIX time in seconds when the process started"),
        Column("watcher", .integer, "Process (or thread/handle) ID of optional watcher process"),
        Column("platform_mask", .integer, "The osquery platform bitmask"),
    ])
    let view: AgentStateView
    /// In `vigil query` (osqueryi's place) there is no watcher: -1, as osqueryi shows.
    let standalone: Bool

    public init(view: AgentStateView, standalone: Bool = false) {
        self.view = view
        self.standalone = standalone
    }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var row = Row(schema)
        row["pid"] = SQLValue(getpid())
        // The host's UUID exactly as system_info.uuid gives it, so the two join.
        row["uuid"] = .text(SystemInfoTable.hostUUID())
        row["instance_id"] = SQLValue(FileSystem.readTextIfPresent("/etc/machine-id")?.trimmingCharacters())
        row["version"] = .text(VigilVersion.version)
        row["config_hash"] = .text(view.configHash)
        row["config_valid"] = 1
        row["extensions"] = "inactive"
        row["build_platform"] = "linux"
        row["build_distro"] = "debian"
        row["start_time"] = SQLValue(view.startTime)
        row["watcher"] = standalone ? -1 : SQLValue(getppid())
        // osquery's PlatformType bits: posix (1) | linux (8).
        row["platform_mask"] = 9
        return RowSequence([row])
    }
}

/// `osquery_events`: the event publisher and its subscribers (the event tables),
/// with osquery's columns.
public struct OsqueryEventsTable: VirtualTable {
    public let schema = TableSchema("osquery_events", "The event publishers (the kernel tracer, udev, audit, syslog) and their subscribers (the event tables), with osquery's columns.", [
        Column("name", .text, "Event publisher or subscriber name"),
        Column("publisher", .text, "Name of the associated publisher"),
        Column("type", .text, "Either publisher or subscriber"),
        Column("subscriptions", .integer, "Number of subscriptions the publisher received or subscriber used"),
        Column("events", .integer, "Number of events emitted or received since osquery started"),
        Column("refreshes", .integer, "Publisher only: number of runloop restarts"),
        Column("active", .integer, "1 if the publisher or subscriber is active else 0"),
    ])
    let stores: EventStores

    public init(stores: EventStores) { self.stores = stores }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let stores = self.stores.all
        let counters = stores.map(\.counters)
        var rows: [Row] = []
        // One publisher per source (the tracer, udev, audit, syslog), in the stores' order.
        var publishers: [String] = []
        for store in stores where !publishers.contains(store.publisher) { publishers.append(store.publisher) }
        for name in publishers {
            let mine = zip(stores, counters).filter { $0.0.publisher == name }.map(\.1)
            var publisher = Row(schema)
            publisher["name"] = .text(name)
            publisher["publisher"] = .text(name)
            publisher["type"] = "publisher"
            publisher["subscriptions"] = SQLValue(mine.count)
            publisher["events"] = SQLValue(mine.reduce(0) { $0 + $1.seen })
            publisher["refreshes"] = 0
            publisher["active"] = SQLValue(mine.contains { $0.active })
            rows.append(publisher)
        }
        for (store, c) in zip(stores, counters) {
            var row = Row(schema)
            row["name"] = .text(store.name)
            row["publisher"] = .text(store.publisher)
            row["type"] = "subscriber"
            row["subscriptions"] = 1
            row["events"] = SQLValue(c.seen)
            row["refreshes"] = 0
            row["active"] = SQLValue(c.active)
            rows.append(row)
        }
        return RowSequence(rows)
    }
}

/// osquery's own tables as `vigil query` answers them, like osqueryi: this process
/// in osquery_info, an empty osquery_schedule and osquery_packs (no config is loaded),
/// the flags' defaults with what the command was given (`flags`), and the event
/// publisher and subscribers, inactive (events are collected by `vigil agent`).
public enum StandaloneOsqueryTables {
    /// The agent's tables that only the running agent can answer (its events, schedule and
    /// health), by name, with what `vigil query` says of each: ask the agent.
    public static let agentOnly: [String: String] = Dictionary(uniqueKeysWithValues: [
        "process_events", "socket_events", "file_events", "vigil_events",
        "hardware_events", "user_events", "selinux_events", "seccomp_events", "syslog_events", "syslog",
        "vigil_schedule", "vigil_watchdog", "vigil_telemetry", "vigil_outputs",
    ].map { ($0, "\($0) is the running agent's (its events and state are there, not in this process): ask it with `vigil query --agent` or `vigil shell --agent`") })

    public static func all(flags: AgentFlags.Settings = AgentFlags.Settings()) -> [any VirtualTable] {
        let view = AgentStateView(statePath: "", schedule: Schedule(config: AgentConfig(), hostIdentifier: ""),
                                  startTime: Clock.realtimeNanoseconds() / 1_000_000_000)
        view.update(flags: flags)
        return [OsqueryInfoTable(view: view, standalone: true), ScheduleTable(view: view, osqueryCompatible: true),
                OsqueryEventsTable(stores: EventStores(capacity: 1)), OsqueryFlagsTable(view: view), OsqueryPacksTable(view: view)]
    }
}
