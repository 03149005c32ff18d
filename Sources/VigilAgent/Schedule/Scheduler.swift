/// Decides when each entry runs. Pure: the caller passes the time (Unix seconds), so
/// tests need no sleeping and a clock jump cannot confuse it.
///
/// Each entry keeps its own cadence (next = due + splayed interval). A run that is late
/// by more than an interval skips the missed runs instead of catching up in a burst.
/// Restarts do not reset the cadence: an entry that ran recently (the state store
/// knows when) waits for its interval, so a crash loop does not run every query at
/// every start, as osquery does.
public struct Scheduler: Sendable {
    public private(set) var entries: [ScheduleEntry]
    private var next: [String: Int64] = [:]

    /// `lastExecuted` holds when entries last ran, from the state store.
    public init(entries: [ScheduleEntry], now: Int64, lastExecuted: [String: Int64] = [:]) {
        self.entries = entries
        for entry in entries {
            let interval = Int64(entry.splayedInterval)
            let firstRun = now + Int64(entry.startDelay)
            if let last = lastExecuted[entry.name] {
                // A last run in the future means the clock went back: wait at most one interval.
                let due = min(last + interval, now + interval)
                next[entry.name] = due > now ? due : firstRun
            } else {
                next[entry.name] = firstRun
            }
        }
    }

    /// When `name` runs next.
    public func nextRun(of name: String) -> Int64? { next[name] }

    /// The earliest time any entry is due: sleep until then.
    public var nextDueTime: Int64? { next.values.min() }

    /// Entries due at `now`, earliest first (then by name), without changing anything.
    public func due(at now: Int64) -> [ScheduleEntry] {
        entries.filter { (next[$0.name] ?? .max) <= now }
            .sorted { (next[$0.name]!, $0.name) < (next[$1.name]!, $1.name) }
    }

    /// Entries to run now, and move every due entry to its next time. Entries of a pack
    /// that `packEnabled` refuses are moved on but not returned.
    public mutating func take(at now: Int64, packEnabled: (String) -> Bool = { _ in true }) -> [ScheduleEntry] {
        let due = due(at: now)
        for entry in due {
            let interval = Int64(entry.splayedInterval)
            let was = next[entry.name]!
            // Stay on the cadence; skip the runs missed while late.
            next[entry.name] = was + ((now - was) / interval + 1) * interval
        }
        return due.filter { entry in entry.pack.map(packEnabled) ?? true }
    }
}

/// When each pack's discovery queries run and whether the pack is on. A pack runs only
/// while every one of its discovery queries returns at least one row; discovery runs at
/// start and every `refreshInterval` seconds (osquery's pack_refresh_interval).
public struct PackDiscovery: Sendable {
    public let queries: [String: [String]]
    public let refreshInterval: Int64
    private var enabled: [String: Bool] = [:]
    private var nextCheck: [String: Int64] = [:]
    /// Per pack: discovery runs, and checks answered by the last run (osquery_packs).
    public private(set) var counts: [String: Counts] = [:]

    /// osquery's discovery_executions and discovery_cache_hits of one pack.
    public struct Counts: Sendable, Equatable {
        public var executions = 0
        public var cacheHits = 0
    }

    public init(queries: [String: [String]], refreshInterval: Int, now: Int64) {
        self.queries = queries
        self.refreshInterval = Int64(max(refreshInterval, 1))
        for pack in queries.keys { nextCheck[pack] = now }
    }

    /// When the next discovery is due: sleep no longer than this.
    public var nextCheckTime: Int64? { nextCheck.values.min() }

    /// Packs whose discovery should run at `now`, by name.
    public func due(at now: Int64) -> [String] {
        nextCheck.filter { $0.value <= now }.map(\.key).sorted()
    }

    /// Store the outcome of a pack's discovery.
    public mutating func record(pack: String, enabled on: Bool, at now: Int64) {
        enabled[pack] = on
        nextCheck[pack] = now + refreshInterval
        counts[pack, default: Counts()].executions += 1
    }

    /// Whether a due query of `pack` may run, from the pack's last discovery (a cache
    /// hit, as osquery counts one when it checks a pack between refreshes).
    public mutating func check(_ pack: String) -> Bool {
        if queries[pack] != nil && enabled[pack] != nil { counts[pack, default: Counts()].cacheHits += 1 }
        return isEnabled(pack)
    }

    /// Whether the pack's queries may run. A pack without discovery is always on; one
    /// whose discovery has not run yet is off, so nothing runs on a host it was not meant for.
    public func isEnabled(_ pack: String) -> Bool {
        guard queries[pack] != nil else { return true }
        return enabled[pack] ?? false
    }

    /// The packs whose queries may not run now (discovery said no, or has not run yet).
    public var packsOff: Set<String> { Set(queries.keys.filter { !isEnabled($0) }) }

    /// Run a pack's discovery queries with `rowCount` (which runs SQL and counts rows).
    /// Off as soon as one returns no rows or fails; the error is returned to log.
    public static func evaluate<E: Error>(_ queries: [String], rowCount: (String) throws(E) -> Int) -> (enabled: Bool, error: E?) {
        for sql in queries {
            do {
                if try rowCount(sql) == 0 { return (false, nil) }
            } catch {
                return (false, error)
            }
        }
        return (true, nil)
    }
}
