import Foundation
import Testing
import VigilSQL
@testable import VigilAgent
import VigilTestSupport

@Suite(.ownThread) struct ConfigTests {
    @Test func yamlConfig() throws {
        let yaml = """
            options:
              host_identifier: uuid
              schedule_splay_percent: 20
              watchdog_level: 1
              watchdog_memory_limit: 150
              logger_rotate_size: 1048576
              some_future_option: yes
            schedule:
              procs:
                query: SELECT pid, name FROM processes
                interval: 60
              hosts:
                query: SELECT * FROM etc_hosts
                interval: 3600
                snapshot: true
                denylist: false
                shard: 25
                platform: linux
            decorators:
              always:
                - SELECT 1 AS one
              interval:
                "3600":
                  - SELECT hostname FROM system_info
            """
        let loaded = try ConfigLoader.parse(yaml, file: "agent.yaml")
        let c = loaded.config
        #expect(loaded.warnings.isEmpty)
        #expect(c.schedule.map(\.name) == ["procs", "hosts"])
        #expect(c.schedule[0].interval == 60 && !c.schedule[0].snapshot && c.schedule[0].removed && c.schedule[0].denylist)
        #expect(c.schedule[1].snapshot && !c.schedule[1].denylist && c.schedule[1].shard == 25 && c.schedule[1].platform == "linux")
        #expect(c.options.hostIdentifier == "uuid")
        #expect(c.options.scheduleSplayPercent == 20)
        #expect(c.options.loggerRotateSize == 1_048_576)
        #expect(c.options.raw["some_future_option"] == "yes")
        #expect(c.options.watchdog.level == .restrictive)
        // The memory override replaces the level's 100 MB; the other limits stay restrictive.
        #expect(c.options.watchdog.limits == WatchdogLimits(enabled: true, memoryMB: 150, utilizationPercent: 5, latencySeconds: 6, delaySeconds: 60))
        #expect(c.decorators.always == ["SELECT 1 AS one"])
        #expect(c.decorators.interval[3600] == ["SELECT hostname FROM system_info"])
    }

    @Test func watchdogLevels() throws {
        func limits(_ options: String) throws -> WatchdogLimits {
            try ConfigLoader.parse("options:\n" + options, file: "w.yaml").config.options.watchdog.limits
        }
        #expect(try limits("  watchdog_level: 0") == WatchdogLimits(enabled: true, memoryMB: 200, utilizationPercent: 10, latencySeconds: 12, delaySeconds: 60))
        #expect(try limits("  watchdog_level: -1").enabled == false)
        // 0 means "the level's limit", as in osquery.
        #expect(try limits("  watchdog_utilization_limit: 0\n  watchdog_latency_limit: 30\n  watchdog_delay: 5")
            == WatchdogLimits(enabled: true, memoryMB: 200, utilizationPercent: 10, latencySeconds: 30, delaySeconds: 5))
    }

    /// An osquery config as people write it: JSON with `//` comment lines, numbers as
    /// strings, unknown keys, a pack inline and one by path with discovery queries.
    @Test func osqueryJSONWithPacksDiscoveryAndDecorators() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let pack = """
            {
              // Incident response basics for Linux hosts.
              "platform": "linux",
              "version": "1.4.5",
              "discovery": [
                "SELECT pid FROM processes WHERE name = 'sshd'",
                "SELECT 1 FROM system_info"
              ],
              "queries": {
                "listening": {
                  "query": "SELECT pid, port, address FROM listening_ports;",
                  "interval": "900",
                  "description": "Listening sockets",
                  "value": "Finds backdoors"
                },
                "modules": {
                  "query": "SELECT name FROM kernel_modules;",
                  "interval": 3600,
                  "removed": "false",
                  "snapshot": false,
                  "platform": "posix"
                },
                "mac_only": {
                  "query": "SELECT * FROM launchd;",
                  "interval": 60,
                  "platform": "darwin"
                }
              }
            }
            """
        try write(pack, to: dir + "/ir.conf")
        let config = """
            {
              // Configure the daemon below:
              "options": {
                "config_plugin": "filesystem",
                "host_identifier": "hostname",
                "schedule_splay_percent": "10",
                "pack_refresh_interval": "600",
                "watchdog_level": "1"
              },
              "schedule": {
                "system_info": {
                  "query": "SELECT hostname, cpu_brand FROM system_info;",
                  "interval": 3600,
                  "blacklist": false
                }
              },
              "decorators": {
                "load": ["SELECT uuid AS host_uuid FROM system_info;"],
                "always": ["SELECT user AS username FROM logged_in_users ORDER BY time DESC LIMIT 1;"],
                "interval": {"3600": ["SELECT total_seconds AS uptime FROM uptime;"]}
              },
              "packs": {
                "ir": "ir.conf",
                "inline": {
                  "queries": {"up": {"query": "SELECT * FROM uptime", "interval": 120}},
                  "unexpected_key": 1
                }
              },
              "file_paths": {"etc": ["/etc/%%"]}
            }
            """
        try write(config, to: dir + "/osquery.conf")
        let loaded = try ConfigLoader.load(path: dir + "/osquery.conf")
        let c = loaded.config
        #expect(c.options.packRefreshInterval == 600)
        #expect(c.options.watchdog.level == .restrictive)
        #expect(c.options.raw["config_plugin"] == "filesystem")
        #expect(c.schedule.first?.denylist == false)
        #expect(c.decorators.load.count == 1 && c.decorators.always.count == 1 && c.decorators.interval[3600]?.count == 1)
        #expect(c.packs.map(\.name) == ["ir", "inline"])
        let ir = try #require(c.packs.first)
        #expect(ir.discovery.count == 2 && ir.platform == "linux" && ir.version == "1.4.5" && ir.source == dir + "/ir.conf")
        #expect(ir.queries.map(\.name) == ["listening", "modules", "mac_only"])
        #expect(ir.queries[0].interval == 900 && ir.queries[0].description == "Listening sockets")
        #expect(ir.queries[1].removed == false && ir.queries[1].platform == "posix")
        // Unknown keys are warnings with their place, not failures.
        let messages = loaded.warnings.map(\.description)
        #expect(!messages.contains { $0.contains("file_paths") })
        #expect(c.filePaths.categories == [FilePaths.Category(name: "etc", patterns: ["/etc/%%"])])
        #expect(messages.contains { $0.contains("unknown key 'unexpected_key'") })

        let schedule = Schedule(config: c, hostIdentifier: "host-a")
        #expect(schedule.entries.map(\.name) == ["system_info", "pack_ir_listening", "pack_ir_modules", "pack_inline_up"])
        #expect(schedule.skipped.map(\.name) == ["pack_ir_mac_only"])
        #expect(schedule.discovery["ir"]?.count == 2)
        #expect(schedule.entries.first { $0.name == "pack_ir_modules" }?.removed == false)
    }

    /// JSON as editors and generators write it: tabs, CRLF line ends, escaped slashes and
    /// unicode escapes, comment lines.
    @Test func jsonQuirks() throws {
        let text = "{\r\n\t// a comment\r\n\t\"schedule\": {\r\n\t\t\"caf\\u00e9\": {\"query\": \"SELECT * FROM file WHERE path = '\\/etc\\/hosts'\", \"interval\": 60}\r\n\t}\r\n}\r\n"
        let loaded = try ConfigLoader.parse(text, file: "q.json")
        #expect(loaded.config.schedule.map(\.name) == ["café"])
        #expect(loaded.config.schedule.first?.query == "SELECT * FROM file WHERE path = '/etc/hosts'")
        #expect(loaded.warnings.isEmpty)
    }

    @Test func packsByWildcardPath() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        try FileManager.default.createDirectory(atPath: dir + "/packs", withIntermediateDirectories: true)
        try write(#"{"queries": {"a": {"query": "SELECT 1", "interval": 10}}}"#, to: dir + "/packs/first.conf")
        try write("queries:\n  b:\n    query: SELECT 2\n    interval: 20\n", to: dir + "/packs/second.yaml")
        let c = try ConfigLoader.parse(#"{"packs": {"*": "\#(dir)/packs/*"}}"#, file: "c.json").config
        #expect(c.packs.map(\.name) == ["first", "second"])
        #expect(c.packs.map { $0.queries[0].interval } == [10, 20])
    }

    /// Every bad config names the file, line and column of the problem, what was wrong, and what to write.
    @Test(arguments: [
        ("schedule:\n  q:\n    query: SELECT 1\n    interval: hourly\n", "c.yaml:4:15: expected a whole number for schedule.q.interval, found 'hourly'"),
        ("schedule:\n  q:\n    interval: 60\n", "c.yaml:2:3: schedule.q has no query; add query: \"SELECT …\""),
        ("schedule:\n  q:\n    query: SELECT 1\n    snapshot: maybe\n", "c.yaml:4:15: expected true or false for schedule.q.snapshot, found 'maybe'"),
        ("schedule:\n  q:\n    query: SELECT 1\n    interval: 0\n", "c.yaml:4:15: schedule.q.interval must be at least 1 and at most 604800, found 0"),
        ("schedule:\n  q:\n    query: SELECT 1\n    shard: 101\n", "c.yaml:4:12: schedule.q.shard must be at least 0 and at most 100, found 101"),
        ("schedule: [1, 2]\n", "c.yaml:1:11: expected a mapping for schedule, found a list"),
        ("schedule:\n  q: SELECT 1\n", "c.yaml:2:6: expected a mapping with query and interval for schedule.q, found 'SELECT 1'"),
        ("options:\n  watchdog_level: 2\n", "c.yaml:2:19: watchdog_level must be 0 (normal), 1 (restrictive) or -1 (off), found 2"),
        ("options:\n  host_identifier: mac\n", "c.yaml:2:20: host_identifier must be one of hostname, uuid, instance, ephemeral, specified, found 'mac'"),
        ("decorators:\n  interval:\n    hourly: [SELECT 1]\n", "c.yaml:3:5: decorators.interval is keyed by seconds (\"3600\": [queries]), found 'hourly'"),
        ("packs:\n  missing: /nonexistent/vigil/pack.conf\n", "c.yaml:2:12: cannot read pack 'missing': open /nonexistent/vigil/pack.conf: No such file or directory; fix the path or inline the pack"),
        ("schedule:\n  q:\n    query: SELECT 1\n  q:\n    query: SELECT 2\n", "duplicate key 'q'"),
        ("{\"schedule\": {\"q\": {\"query\": \"SELECT 1\" \"interval\": 5}}}", "c.yaml:1:"),
        ("", "c.yaml:1:1: the config is empty"),
        // A NUL byte stops SQLite's reading; it once made the worker spin (issue 19).
        ("schedule:\n  q:\n    query: \"SELECT 1\\0;\"\n    interval: 5\n",
         "c.yaml:3:12: schedule.q.query: SQL contains a NUL byte; remove it (at offset 8)"),
    ])
    func badConfigsSayWhereAndWhat(text: String, expected: String) {
        #expect {
            _ = try ConfigLoader.parse(text, file: "c.yaml")
        } throws: { error in
            let message = (error as? ConfigError)?.description ?? "\(error)"
            let ok = message.hasPrefix(expected) || message.contains(expected)
            if !ok { Issue.record("got: \(message)") }
            return ok
        }
    }

    @Test func nameCollisionBetweenScheduleAndPackIsRefused() {
        let text = "schedule:\n  pack_p_q:\n    query: SELECT 1\npacks:\n  p:\n    queries:\n      q:\n        query: SELECT 2\n"
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(text) }
    }

    /// The embedded default parses without warnings, and every query in it prepares
    /// against the real tables (so no table or column in it is misspelt).
    @Test func embeddedDefaultConfigIsValid() throws {
        let loaded = ConfigLoader.defaultConfig()
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.config.schedule.count >= 6)
        #expect(loaded.config.schedule.contains { $0.name == "processes" && $0.interval <= 600 && !$0.snapshot })
        let database = try realDatabase()
        for sql in loaded.config.schedule.map(\.query) + loaded.config.decorators.load {
            let prepared = try database.prepare(sql)
            #expect(prepared.statement != nil, "\(sql)")
        }
    }
}
