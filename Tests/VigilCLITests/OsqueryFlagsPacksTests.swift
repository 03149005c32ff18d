import Foundation
import Testing
import VigilAgent
import VigilProfile
import VigilWatchdog
import VigilTestSupport

/// osquery_flags and osquery_packs in a running agent (the values of its config, its
/// packs' discovery) and in `vigil query` (the defaults; no packs), as osqueryd and
/// osqueryi answer them.
@Suite(.ownThread) struct OsqueryFlagsPacksTests {
    /// The last snapshot of a scheduled query, by row.
    func snapshot(_ agent: RunningAgent, _ name: String) throws -> [[String: String]]? {
        try agent.results().last { $0["name"] as? String == name }?["snapshot"] as? [[String: String]]
    }

    @Test func flagsShowTheAgentsConfigAndFlagfile() throws {
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
              disable_events: true
              events_max: 1234
              schedule_splay_percent: 25
              distributed_interval: 30
              logger_tls_compress: true
              config_refresh: 120
            schedule:
              flags:
                query: SELECT name, value, default_value, type, shell_only FROM osquery_flags
                interval: 1
                snapshot: true
            """, flags: "--logger_tls_period=7\n--events_expiry=99\n")
        #expect(agent.wait(30) { try snapshot(agent, "flags") != nil }, "\(agent.log)")
        let rows = try #require(try snapshot(agent, "flags"))
        let value = Dictionary(rows.map { ($0["name"] ?? "", $0["value"] ?? "") }, uniquingKeysWith: { a, _ in a })
        let defaults = Dictionary(rows.map { ($0["name"] ?? "", $0["default_value"] ?? "") }, uniquingKeysWith: { a, _ in a })
        // What the config and the flagfile set.
        #expect(value["events_max"] == "1234" && value["schedule_splay_percent"] == "25" && value["watchdog_level"] == "-1")
        #expect(value["disable_events"] == "true" && value["distributed_interval"] == "30" && value["logger_tls_compress"] == "true")
        #expect(value["config_refresh"] == "120" && value["logger_tls_period"] == "7" && value["events_expiry"] == "99")
        #expect(value["config_path"] == agent.dir + "/config.yaml" && value["flagfile"] == agent.dir + "/agent.flags")
        // What it left alone keeps the code's default.
        #expect(value["pack_refresh_interval"] == "\(AgentOptions().packRefreshInterval)" && value["pack_refresh_interval"] == defaults["pack_refresh_interval"])
        #expect(defaults["events_max"] == "\(AgentOptions().eventsMax)" && defaults["distributed_interval"] == "\(FleetOptions.defaults.distributedIntervalSeconds)")
        #expect(rows.allSatisfy { $0["shell_only"] == "0" && ["bool", "int32", "uint64", "double", "string"].contains($0["type"] ?? "") })
    }

    /// `vigil query`: every flag at its default (the code's own), but -v (osquery's verbose).
    @Test func flagsInVigilQueryAreTheDefaults() throws {
        let r = try CLI.vigil("query", "-v", "-f", "json", "SELECT name, value, default_value FROM osquery_flags")
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]])
        let defaults = Dictionary(rows.map { ($0["name"] ?? "", $0["default_value"] ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(rows.allSatisfy { $0["name"] == "verbose" ? $0["value"] == "true" : $0["value"] == $0["default_value"] }, "\(rows)")
        let o = AgentOptions(), f = FleetOptions.defaults, p = ContinuousOptions()
        let expected: [String: String] = [
            "verbose": "false", "events_max": "\(o.eventsMax)", "events_expiry": "\(o.eventsExpiry)", "disable_events": "false",
            "host_identifier": o.hostIdentifier, "schedule_splay_percent": "\(o.scheduleSplayPercent)",
            "watchdog_level": "0", "watchdog_delay": "\(o.watchdog.delaySeconds)", "logger_plugin": "filesystem",
            "logger_rotate_size": "\(o.loggerRotateSize)", "denylist_duration": "\(o.denylistDuration)",
            "logger_tls_period": "\(f.loggerPeriodSeconds)", "logger_tls_max_lines": "\(f.loggerMaxLines)", "logger_tls_compress": "false",
            "distributed_interval": "\(f.distributedIntervalSeconds)", "disable_distributed": "true", "config_refresh": "0",
            "config_tls_endpoint": f.configEndpoint, "vigil_telemetry_interval": "\(f.telemetrySeconds)",
            "profiling_interval": "0", "profiling_frequency": "\(p.sampler.frequency)", "profiling_keep": "\(o.profilingKeep)",
            "watchdog_restart_delay_max": "\(Int(Backoff().maximumSeconds))", "config_path": "", "flagfile": "",
        ]
        for (name, value) in expected { #expect(defaults[name] == value, "\(name): \(defaults[name] ?? "missing"), the code's \(value)") }
    }

    /// active follows platform, shard and discovery as in osquery; discovery_executions
    /// counts discovery runs, discovery_cache_hits the checks answered by the last run.
    @Test func packsFollowTheirDiscovery() throws {
        let agent = try RunningAgent(config: #"""
            {
              "options": {"watchdog_level": -1, "disable_events": true},
              "schedule": {
                "packs": {"query": "SELECT * FROM osquery_packs", "interval": 1, "snapshot": true}
              },
              "packs": {
                "found": {
                  "version": "5.0.0", "shard": 100,
                  "discovery": ["SELECT pid FROM processes WHERE pid = 1"],
                  "queries": {"yes": {"query": "SELECT 1 AS one", "interval": 1}}
                },
                "missing": {
                  "discovery": ["SELECT 1 WHERE 1 = 0"],
                  "queries": {"no": {"query": "SELECT 1 AS one", "interval": 1}}
                },
                "plain": {"queries": {"always": {"query": "SELECT 1 AS one", "interval": 60}}},
                "mac": {"platform": "darwin", "discovery": ["SELECT 1"], "queries": {"m": {"query": "SELECT 1", "interval": 1}}}
              }
            }
            """#)
        func packs() throws -> [String: [String: String]] {
            Dictionary(try snapshot(agent, "packs")?.map { ($0["name"] ?? "", $0) } ?? [], uniquingKeysWith: { a, _ in a })
        }
        // Wait until each gated pack's query has been checked against its discovery result.
        #expect(agent.wait(30) { let p = try packs(); return p["found"]?["discovery_cache_hits"] != "0" && p["missing"]?["discovery_cache_hits"] != "0" && p.count == 4 },
                "\(agent.log) \((try? packs()) ?? [:])")
        let p = try packs()
        #expect(p["found"]?["active"] == "1" && p["found"]?["discovery_executions"] == "1" && p["found"]?["shard"] == "100" && p["found"]?["version"] == "5.0.0")
        #expect(p["missing"]?["active"] == "0" && p["missing"]?["discovery_executions"] == "1")
        #expect(p["plain"]?["active"] == "1" && p["plain"]?["discovery_executions"] == "0" && p["plain"]?["shard"] == "0" && p["plain"]?["platform"] == "")
        #expect(p["mac"]?["active"] == "0" && p["mac"]?["discovery_executions"] == "0" && p["mac"]?["platform"] == "darwin")
        // The pack that is off never ran its query.
        #expect(!(try agent.results().contains { $0["name"] as? String == "pack_missing_no" }))
    }

    @Test func packsAreEmptyInVigilQuery() throws {
        let r = try CLI.vigil("query", "-f", "json", "SELECT count(*) AS n FROM osquery_packs")
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.first?["n"] as? Int == 0, "\(r.stdout)")
    }
}
