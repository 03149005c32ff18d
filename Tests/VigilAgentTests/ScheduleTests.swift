import Testing
import VigilSQL
@testable import VigilAgent
import VigilTestSupport

@Suite(.ownThread) struct ScheduleTests {
    @Test func platformFilter() {
        for yes in [nil, "", "linux", "posix", "all", "any", "darwin,linux", " LINUX ", "ubuntu"] {
            #expect(Schedule.runsOnLinux(yes), "\(yes ?? "nil")")
        }
        for no in ["darwin", "windows", "freebsd", "darwin,windows"] {
            #expect(!Schedule.runsOnLinux(no), "\(no)")
        }
    }

    /// A host's shard is the same every time, lies in 1…100, and hosts spread over it.
    @Test func shardIsDeterministicAndSpread() {
        #expect(StableHash.shard(hostIdentifier: "web-01") == StableHash.shard(hostIdentifier: "web-01"))
        let shards = (0..<2000).map { StableHash.shard(hostIdentifier: "host-\($0)") }
        #expect(shards.allSatisfy { (1...100).contains($0) })
        // About a quarter of hosts fall in shard <= 25.
        let quarter = shards.filter { $0 <= 25 }.count
        #expect((400...600).contains(quarter), "\(quarter)")
        // Pinned: the hash must not change between releases, or hosts would change shards.
        #expect(StableHash.hash("vigil") == StableHash.hash("vigil"))
        #expect(StableHash.hash("a", "bc") != StableHash.hash("ab", "c"))
    }

    @Test func shardFiltersQueries() {
        var q = ScheduledQuery(name: "q", query: "SELECT 1", interval: 60)
        let host = "host-x"
        let mine = StableHash.shard(hostIdentifier: host)
        q.shard = mine
        #expect(Schedule(config: AgentConfig(schedule: [q]), hostIdentifier: host).entries.count == 1)
        if mine > 1 {
            q.shard = mine - 1
            let s = Schedule(config: AgentConfig(schedule: [q]), hostIdentifier: host)
            #expect(s.entries.isEmpty && s.skipped.first?.reason.contains("shard") == true)
        }
    }

    /// Splay stays within ±percent, never changes for a query and host, and differs between queries.
    @Test func splayIsStableAndBounded() {
        var seen: Set<Int> = []
        for i in 0..<500 {
            let name = "query_\(i)"
            let s = StableHash.splay(interval: 3600, percent: 10, name: name, hostIdentifier: "h")
            #expect((3240...3960).contains(s))
            #expect(s == StableHash.splay(interval: 3600, percent: 10, name: name, hostIdentifier: "h"))
            seen.insert(s)
        }
        #expect(seen.count > 100)
        #expect(seen.contains { $0 < 3400 } && seen.contains { $0 > 3800 })
        #expect(StableHash.splay(interval: 60, percent: 0, name: "q", hostIdentifier: "h") == 60)
        #expect(StableHash.splay(interval: 5, percent: 10, name: "q", hostIdentifier: "h") == 5)
        #expect(StableHash.splay(interval: 1, percent: 100, name: "q", hostIdentifier: "h") >= 1)
        // Through the schedule, with the configured percentage.
        var config = AgentConfig(schedule: [ScheduledQuery(name: "q", query: "SELECT 1", interval: 1000)])
        config.options.scheduleSplayPercent = 50
        let entry = Schedule(config: config, hostIdentifier: "h").entries[0]
        #expect((500...1500).contains(entry.splayedInterval))
        #expect(entry.startDelay < 60)
    }

    func entry(_ name: String, every interval: Int, startDelay: Int = 0, pack: String? = nil) -> ScheduleEntry {
        ScheduleEntry(name: name, query: "SELECT 1", interval: interval, splayedInterval: interval, startDelay: startDelay,
                      snapshot: false, removed: true, denylist: true, pack: pack)
    }

    @Test func schedulerDueTimesWithInjectedClock() {
        let t0: Int64 = 1_000_000
        var s = Scheduler(entries: [entry("fast", every: 10), entry("slow", every: 60, startDelay: 5)], now: t0)
        #expect(s.due(at: t0).map(\.name) == ["fast"])
        #expect(s.take(at: t0).map(\.name) == ["fast"])
        #expect(s.nextRun(of: "fast") == t0 + 10)
        #expect(s.nextDueTime == t0 + 5)
        #expect(s.take(at: t0 + 4).isEmpty)
        #expect(s.take(at: t0 + 5).map(\.name) == ["slow"])
        #expect(s.nextRun(of: "slow") == t0 + 65)
        #expect(s.take(at: t0 + 10).map(\.name) == ["fast"])
        // Late by 35 s: one run, not four, and the cadence is kept (t0+50, not t0+80).
        #expect(s.take(at: t0 + 45).map(\.name) == ["fast"])
        #expect(s.nextRun(of: "fast") == t0 + 50)
        // Both due (fast since t0+50, slow since t0+65) come out earliest first.
        #expect(s.due(at: t0 + 70).map(\.name) == ["fast", "slow"])
        #expect(s.take(at: t0 + 70).count == 2)
    }

    /// A restart keeps each query's cadence instead of running everything again.
    @Test func schedulerKeepsCadenceAcrossRestarts() {
        let now: Int64 = 5000
        let s = Scheduler(entries: [entry("recent", every: 3600), entry("overdue", every: 60, startDelay: 7), entry("never", every: 60, startDelay: 3)],
                          now: now, lastExecuted: ["recent": now - 600, "overdue": now - 600])
        #expect(s.nextRun(of: "recent") == now + 3000)
        #expect(s.nextRun(of: "overdue") == now + 7)
        #expect(s.nextRun(of: "never") == now + 3)
        // A last run in the future (clock set back) waits at most one interval.
        let back = Scheduler(entries: [entry("q", every: 60)], now: now, lastExecuted: ["q": now + 10_000])
        #expect(back.nextRun(of: "q") == now + 60)
    }

    @Test func disabledPackQueriesAreSkippedButRescheduled() {
        var s = Scheduler(entries: [entry("pack_p_q", every: 30, pack: "p"), entry("plain", every: 30)], now: 0)
        #expect(s.take(at: 0, packEnabled: { _ in false }).map(\.name) == ["plain"])
        #expect(s.nextRun(of: "pack_p_q") == 30)
        #expect(s.take(at: 30, packEnabled: { $0 == "p" }).map(\.name) == ["pack_p_q", "plain"])
    }

    /// Discovery against real tables: a pack whose discovery finds nothing is off; the
    /// decision is re-made every pack_refresh_interval.
    @Test func discoveryGatesPacks() throws {
        let database = try realDatabase()
        func count(_ sql: String) throws(QueryFailure) -> Int { try QueryExecutor.run(sql, on: database).rows.count }
        var d = PackDiscovery(queries: [
            "present": ["SELECT pid FROM processes WHERE pid = 1", "SELECT hostname FROM system_info"],
            "absent": ["SELECT pid FROM processes WHERE pid = 1", "SELECT pid FROM processes WHERE name = 'no-such-process-vigil'"],
            "broken": ["SELECT nope FROM nowhere"],
        ], refreshInterval: 600, now: 100)
        #expect(d.isEnabled("present") == false, "off until discovery has run")
        #expect(d.isEnabled("no-discovery"))
        #expect(d.due(at: 100) == ["absent", "broken", "present"])
        for pack in d.due(at: 100) {
            let (on, error) = PackDiscovery.evaluate(d.queries[pack]!, rowCount: count)
            if pack == "broken" { #expect(error != nil) }
            d.record(pack: pack, enabled: on, at: 100)
        }
        #expect(d.isEnabled("present"))
        #expect(!d.isEnabled("absent"))
        #expect(!d.isEnabled("broken"))
        #expect(d.due(at: 699).isEmpty)
        #expect(d.due(at: 700).count == 3)
    }

    @Test func decorationsByKind() {
        var calls: [String] = []
        let run: (String) -> [ResultRow] = { sql in
            calls.append(sql)
            switch sql {
            case "load": return [["host_uuid": "u-1", "shared": "load"]]
            case "hourly": return [["uptime": "\(calls.count)", "shared": "interval"]]
            case "always": return [["user": "root"], ["user": "second row is ignored"]]
            default: return []
            }
        }
        var state = DecorationState(decorators: Decorators(load: ["load"], always: ["always"], interval: [3600: ["hourly"]]))
        state.load(now: 0, run: run)
        let first = state.decorations(at: 0, run: run)
        #expect(first == ["host_uuid": "u-1", "shared": "interval", "uptime": "2", "user": "root"])
        _ = state.decorations(at: 100, run: run)
        #expect(calls == ["load", "hourly", "always", "always"], "interval decorators wait for their interval")
        _ = state.decorations(at: 3600, run: run)
        #expect(calls.suffix(2) == ["hourly", "always"])
    }
}
