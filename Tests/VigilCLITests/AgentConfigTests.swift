import Foundation
import Testing
import VigilTestSupport

/// The agent's schedule end to end: differential results and osquery-style configs.
@Suite(.ownThread, .serialized) struct AgentConfigTests {
    /// A file appears and disappears: the log shows one `added` and one `removed`.
    /// `--check-config` (osquery's --config_check): 0 for a valid config, 1 with where
    /// and why for a wrong one; every option the agent reads is typed, none falls back
    /// to its default in silence; nothing is started or created.
    @Test func checkConfigSaysWhereAndWhyAndStartsNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-check-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/data"
        func check(_ yaml: String) throws -> CLI.Result {
            try yaml.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
            return try CLI.run(["agent", "--check-config", "--config", dir + "/c.yaml", "--data-dir", data])
        }
        let good = try check("schedule:\n  q1:\n    query: SELECT 1\n    interval: 10\noptions:\n  profiling_keep: 5\n  events_max: 1000\n")
        #expect(good.status == 0 && good.stdout.contains("ok"), "\(good.stderr)")
        for (option, value, line) in [("profiling_keep", "abc", 6), ("events_max", "lots", 6), ("profiling_interval", "0.5", 6),
                                      ("probabilistic_threshold", "500", 6), ("disable_events", "maybe", 6), ("admin_query_timeout", "-1", 6)] {
            let bad = try check("schedule:\n  q1:\n    query: SELECT 1\n    interval: 10\noptions:\n  \(option): \(value)\n")
            #expect(bad.status == 1, "\(option): \(value) was accepted")
            #expect(bad.stderr.contains("\(dir)/c.yaml:\(line):") && bad.stderr.contains(option), "\(bad.stderr)")
        }
        let schedule = try check("schedule:\n  q1:\n    query: SELECT 1\n    interval: often\n")
        #expect(schedule.status == 1 && schedule.stderr.contains("c.yaml:4:"), "\(schedule.stderr)")
        try "--events_max=lots\n".write(toFile: dir + "/f.flags", atomically: true, encoding: .utf8)
        let flags = try CLI.run(["agent", "--check-config", "--flagfile", dir + "/f.flags", "--data-dir", data])
        #expect(flags.status == 1 && flags.stderr.contains("f.flags:1:") && flags.stderr.contains("events_max"), "\(flags.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data), "a check creates no data directory")
    }

    /// `--log-level`, and the config's `verbose` / `logger_min_status` (osquery's), reach
    /// the supervisor and its worker; the command line wins over the config.
    @Test func logLevelsFromTheCommandLineAndTheConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-levels-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func lines(_ options: String, _ arguments: String = "") throws -> (debug: Int, info: Int) {
            let run = UUID().uuidString
            try "schedule:\n  q1:\n    query: SELECT 1\n    interval: 1\noptions:\n  disable_events: true\n\(options)".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
            let pid = try spawnClean(["/bin/sh", "-c", "exec timeout -s INT 4 '\(CLI.binary)' agent --config '\(dir)/c.yaml' --data-dir '\(dir)/\(run)' \(arguments) 2>'\(dir)/\(run).err'"], quiet: true)
            _ = reap(pid)
            let text = (try? String(contentsOfFile: "\(dir)/\(run).err", encoding: .utf8)) ?? ""
            let all = text.split(separator: "\n")
            return (all.filter { $0.contains(" debug ") }.count, all.filter { $0.contains(" info ") }.count)
        }
        let plain = try lines("")
        #expect(plain.debug == 0 && plain.info > 0, "\(plain)")
        let verbose = try lines("  verbose: true\n")
        #expect(verbose.debug > 0, "verbose: true in the config shows debug lines: \(verbose)")
        let errorsOnly = try lines("  logger_min_status: 2\n")
        #expect(errorsOnly.debug == 0 && errorsOnly.info == 0, "\(errorsOnly)")
        let overridden = try lines("  verbose: true\n", "--log-level warning")
        #expect(overridden.debug == 0 && overridden.info == 0, "--log-level wins over the config: \(overridden)")
    }

    @Test func differentialResultsOfAFileThatComesAndGoes() throws {
        let watched = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-watched-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: watched) }
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
            schedule:
              files:
                query: SELECT path FROM file WHERE directory = '\(watched)'
                interval: 1
            """)
        // An empty first run logs nothing; wait for the query to have run once.
        #expect(agent.wait(30) { (try agent.store().stats("files")?.executions ?? 0) > 0 }, "\(agent.log)")
        let path = watched + "/appears"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        #expect(agent.wait(15) { try agent.results().contains { $0["action"] as? String == "added" } }, "\(agent.log)")
        try FileManager.default.removeItem(atPath: path)
        #expect(agent.wait(15) { try agent.results().contains { $0["action"] as? String == "removed" } }, "\(agent.log)")
        usleep(2_500_000)
        let lines = try agent.results().filter { ($0["columns"] as? [String: String])?["path"] == path }
        #expect(lines.map { $0["action"] as? String ?? "" } == ["added", "removed"], "\(lines)")
    }

    /// An osquery JSON config loads unchanged: packs with discovery (a pack whose
    /// discovery query returns no rows stays off), decorators on every result.
    @Test func osqueryJSONWithPacksDiscoveryAndDecorators() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-pack-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"""
            {
              "platform": "linux",
              "discovery": ["SELECT pid FROM processes WHERE pid = 1"],
              "queries": {
                "init": {"query": "SELECT pid, name FROM processes WHERE pid = 1", "interval": 1, "snapshot": true}
              }
            }
            """#.write(toFile: dir + "/on.conf", atomically: true, encoding: .utf8)
        let agent = try RunningAgent(config: #"""
            {
              "options": {"watchdog_level": -1, "host_identifier": "specified", "specified_identifier": "test-host"},
              "decorators": {"always": ["SELECT 'decorated' AS mark"]},
              "packs": {
                "on": "\#(dir)/on.conf",
                "off": {
                  "discovery": ["SELECT 1 WHERE 1 = 0"],
                  "queries": {"never": {"query": "SELECT 1 AS one", "interval": 1}}
                }
              }
            }
            """#)
        #expect(agent.wait(30) { try agent.results().contains { $0["name"] as? String == "pack_on_init" } }, "\(agent.log)")
        usleep(2_000_000)
        let results = try agent.results()
        #expect(!results.contains { $0["name"] as? String == "pack_off_never" }, "a pack off by discovery ran")
        let first = try #require(results.first { $0["name"] as? String == "pack_on_init" })
        #expect(first["hostIdentifier"] as? String == "test-host")
        #expect((first["decorations"] as? [String: String])?["mark"] == "decorated")
        #expect((first["snapshot"] as? [[String: String]])?.first?["pid"] == "1")
    }

    /// osquery_schedule lists the queries that may run, as osquery does: those of a pack
    /// whose discovery query returned nothing are left out, the others are there;
    /// vigil_schedule still shows every query with its pack.
    @Test func osqueryScheduleLeavesOutPacksOffByDiscovery() throws {
        let agent = try RunningAgent(config: #"""
            {
              "options": {"watchdog_level": -1, "disable_events": true},
              "schedule": {
                "listed": {"query": "SELECT name FROM osquery_schedule", "interval": 1, "snapshot": true},
                "all": {"query": "SELECT name, pack FROM vigil_schedule", "interval": 1, "snapshot": true}
              },
              "packs": {
                "on": {
                  "discovery": ["SELECT pid FROM processes WHERE pid = 1"],
                  "queries": {"yes": {"query": "SELECT 1 AS one", "interval": 60}}
                },
                "off": {
                  "discovery": ["SELECT 1 WHERE 1 = 0"],
                  "queries": {"no": {"query": "SELECT 1 AS one", "interval": 60}}
                },
                "plain": {"queries": {"always": {"query": "SELECT 1 AS one", "interval": 60}}}
              }
            }
            """#)
        func names(_ query: String) throws -> [String]? {
            try agent.results().last { $0["name"] as? String == query }.flatMap { $0["snapshot"] as? [[String: String]] }?.compactMap { $0["name"] }
        }
        #expect(agent.wait(30) { try names("listed") != nil && names("all") != nil }, "\(agent.log)")
        #expect(Set(try names("listed") ?? []) == ["listed", "all", "pack_on_yes", "pack_plain_always"])
        #expect(Set(try names("all") ?? []) == ["listed", "all", "pack_on_yes", "pack_off_no", "pack_plain_always"])
    }

    /// osquery_info answers as osquery does: the worker's pid, its watcher (the
    /// supervisor), and the config's hash (checked against sha1sum).
    @Test func osqueryInfoDescribesTheRunningAgent() throws {
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
            schedule:
              info:
                query: SELECT pid, watcher, version, config_hash, config_valid FROM osquery_info
                interval: 1
                snapshot: true
              events:
                query: SELECT name, type FROM osquery_events
                interval: 1
                snapshot: true
            """)
        #expect(agent.wait(30) { try agent.results().contains { $0["name"] as? String == "info" } }, "\(agent.log)")
        let info = try #require(try agent.results().first { $0["name"] as? String == "info" }?["snapshot"] as? [[String: String]]).first
        let sha1 = try CLI.run([agent.dir + "/config.yaml"], executable: "/usr/bin/sha1sum").stdout.split(separator: " ").first.map(String.init)
        #expect(info?["config_hash"] == sha1, "\(String(describing: info)) vs \(String(describing: sha1))")
        #expect(info?["watcher"] == String(agent.pid))
        #expect(info?["pid"].flatMap(Int32.init) == agent.workerPID)
        #expect(info?["config_valid"] == "1")
        _ = agent.wait(10) { try agent.results().contains { $0["name"] as? String == "events" } }
        let events = try agent.results().first { $0["name"] as? String == "events" }?["snapshot"] as? [[String: String]] ?? []
        #expect(events.contains { $0["name"] == "process_events" && $0["type"] == "subscriber" }, "\(events)")
    }
}
