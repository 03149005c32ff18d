/// One query the agent will run: a schedule entry or a pack query, flattened, with its
/// splayed interval fixed for this host.
public struct ScheduleEntry: Sendable, Equatable {
    /// The schedule key, or `pack_<pack>_<query>` as osquery names pack queries.
    public var name: String
    public var query: String
    /// Seconds between runs as configured, and after splay.
    public var interval: Int
    public var splayedInterval: Int
    /// Seconds after the scheduler starts before a query that never ran runs first.
    public var startDelay: Int
    public var snapshot: Bool
    public var removed: Bool
    public var denylist: Bool
    /// The pack the query belongs to (its discovery queries gate it).
    public var pack: String?
    public var description: String?

    public static func packQueryName(pack: String, query: String) -> String { "pack_\(pack)_\(query)" }
}

/// A query left out on this host, and why (for logs and `vigil_schedule`).
public struct SkippedQuery: Sendable, Equatable {
    public var name: String
    public var reason: String
}

/// A pack as osquery_packs shows it, and whether it may run on this host at all.
public struct PackSummary: Sendable, Equatable {
    public var name: String
    public var platform: String
    public var version: String
    public var shard: Int
    /// Its platform includes Linux and this host is in its shard.
    public var applies: Bool
}

/// The schedule of one host: flattened entries, the packs' discovery queries, and what was left out.
public struct Schedule: Sendable, Equatable {
    public var entries: [ScheduleEntry] = []
    /// Every pack of the config, in its order.
    public var packs: [PackSummary] = []
    /// Discovery queries by pack, for packs that have any.
    public var discovery: [String: [String]] = [:]
    public var skipped: [SkippedQuery] = []

    /// Flatten `config` for `hostIdentifier`: platform and shard filters, osquery naming, splay.
    public init(config: AgentConfig, hostIdentifier: String) {
        let percent = config.options.scheduleSplayPercent
        let hostShard = StableHash.shard(hostIdentifier: hostIdentifier)
        func add(_ q: ScheduledQuery, name: String, pack: String?) {
            if !Self.runsOnLinux(q.platform) {
                skipped.append(SkippedQuery(name: name, reason: "platform '\(q.platform ?? "")' does not include Linux"))
                return
            }
            if let shard = q.shard, hostShard > shard {
                skipped.append(SkippedQuery(name: name, reason: "shard \(shard): this host is in shard \(hostShard)"))
                return
            }
            let splayed = StableHash.splay(interval: q.interval, percent: percent, name: name, hostIdentifier: hostIdentifier)
            entries.append(ScheduleEntry(
                name: name, query: q.query, interval: q.interval, splayedInterval: splayed,
                startDelay: StableHash.startDelay(name: name, hostIdentifier: hostIdentifier, limit: min(splayed, 60)),
                snapshot: q.snapshot, removed: q.removed, denylist: q.denylist, pack: pack, description: q.description))
        }
        for q in config.schedule { add(q, name: q.name, pack: nil) }
        for pack in config.packs {
            let inShard = pack.shard.map { hostShard <= $0 } ?? true
            packs.append(PackSummary(name: pack.name, platform: pack.platform ?? "", version: pack.version ?? "",
                                     shard: pack.shard ?? 0, applies: Self.runsOnLinux(pack.platform) && inShard))
            if !Self.runsOnLinux(pack.platform) {
                skipped += pack.queries.map { SkippedQuery(name: ScheduleEntry.packQueryName(pack: pack.name, query: $0.name), reason: "pack platform '\(pack.platform ?? "")' does not include Linux") }
                continue
            }
            if let shard = pack.shard, hostShard > shard {
                skipped += pack.queries.map { SkippedQuery(name: ScheduleEntry.packQueryName(pack: pack.name, query: $0.name), reason: "pack shard \(shard): this host is in shard \(hostShard)") }
                continue
            }
            if !pack.discovery.isEmpty { discovery[pack.name] = pack.discovery }
            for q in pack.queries { add(q, name: ScheduleEntry.packQueryName(pack: pack.name, query: q.name), pack: pack.name) }
        }
    }

    /// Whether an osquery `platform` value (comma-separated) includes Linux. Absent or
    /// empty means every platform; ubuntu and centos are osquery's older Linux names.
    public static func runsOnLinux(_ platform: String?) -> Bool {
        guard let platform else { return true }
        let names = platform.lowercased().split(separator: ",").map { $0.trimmingSpaces() }
        if names.allSatisfy(\.isEmpty) { return true }
        return names.contains { ["linux", "posix", "all", "any", "ubuntu", "centos", ""].contains($0) }
    }
}

extension Substring {
    func trimmingSpaces() -> String { String(self).trimmingSpaces() }
}
