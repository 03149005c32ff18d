import Foundation
import Testing
import VigilTestSupport

/// `vigil profile-queries` run as a user runs it, against configs the tests write.
@Suite(.ownThread) struct ProfileQueriesTests {
    /// Four scans of `users` nested: the innermost is read once per row of the other
    /// three (24³ times on a Debian machine), all of it CPU, none of it output.
    static let heavy = "SELECT count(*) AS n FROM users a, users b, users c, users d"

    func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-pq-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func write(_ text: String, _ dir: String, _ name: String) throws -> String {
        let path = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The `queries` of a JSON report by name.
    func queries(_ stdout: String) throws -> [String: [String: Any]] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        let list = try #require(report["queries"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0) })
    }

    func level(_ q: [String: Any]?, _ measure: String) -> Int? {
        (q?["levels"] as? [String: Any])?[measure] as? Int
    }

    @Test func cheapHeavyAndFailingQueries() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try write("""
            schedule:
              cheap:
                query: SELECT * FROM uptime
                interval: 60
              broken:
                query: SELECT * FROM no_such_table
                interval: 60
              heavy:
                query: \(Self.heavy)
                interval: 3600
              mac_only:
                query: SELECT * FROM apps
                platform: darwin
            """, dir, "schedule.yaml")
        let r = try CLI.vigil("profile-queries", "--config", config, "--format", "json")
        // A failed query makes the exit status 1, after every other query ran.
        #expect(r.status == 1, "\(r.stderr)")
        let q = try queries(r.stdout)
        #expect(Set(q.keys) == ["cheap", "broken", "heavy"])

        let cheap = q["cheap"]
        #expect(level(cheap, "utilization") == 0)
        #expect(level(cheap, "cpu_time") == 0)
        #expect((cheap?["rows"] as? NSNumber)?.intValue == 1)

        let heavy = q["heavy"]
        let heavyCPU = try #require(level(heavy, "cpu_time"))
        #expect(heavyCPU > level(cheap, "cpu_time") ?? 3, "heavy query cpu_time \(heavy?["cpu_time"] ?? "nil")")
        #expect(((heavy?["cpu_time"] as? NSNumber)?.doubleValue ?? 0) > ((cheap?["cpu_time"] as? NSNumber)?.doubleValue ?? 1))

        let broken = q["broken"]
        #expect((broken?["error"] as? String)?.contains("no such table: no_such_table") == true)
        #expect(broken?["levels"] == nil)

        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let skipped = report["skipped"] as? [[String: Any]]
        #expect(skipped?.first?["name"] as? String == "mac_only")
    }

    /// Queries over event tables (osquery's packs have many) are profiled, not failed:
    /// outside the agent the tables hold no events, and the report says which queries
    /// read them. osquery's own tables answer as in `vigil query`.
    @Test func eventTableQueriesAreProfiled() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try write("""
            schedule:
              execs:
                query: SELECT pid, path, cmdline FROM process_events
                interval: 60
              sockets:
                query: SELECT s.pid, p.name FROM socket_events s JOIN processes p USING (pid)
                interval: 60
              files:
                query: SELECT target_path, action FROM file_events
                interval: 60
              info:
                query: SELECT version FROM osquery_info
                interval: 60
            """, dir, "events.yaml")
        let r = try CLI.vigil("profile-queries", "--config", config, "--format", "json", "--rounds", "2")
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let q = try queries(r.stdout)
        #expect(Set(q.keys) == ["execs", "sockets", "files", "info"])
        for name in ["execs", "sockets", "files"] {
            #expect(q[name]?["error"] == nil, "\(name): \(q[name]?["error"] ?? "")")
            #expect(q[name]?["event_tables"] as? Bool == true, "\(name)")
            #expect((q[name]?["runs"] as? [Any])?.count == 2 && level(q[name], "cpu_time") != nil, "\(name)")
            #expect((q[name]?["rows"] as? NSNumber)?.intValue == 0)
        }
        #expect(q["info"]?["event_tables"] == nil && (q["info"]?["rows"] as? NSNumber)?.intValue == 1)

        let table = try CLI.vigil("profile-queries", "--config", config)
        #expect(table.status == 0)
        #expect(table.stdout.contains("read event tables, empty outside the agent") && table.stdout.contains("execs, sockets, files"), "\(table.stdout)")
    }

    @Test func tableShowsLevelsErrorsAndRounds() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A bare osquery pack file, JSON with a comment, as osquery's packs are shipped.
        let pack = try write("""
            {
              // osquery allows whole-line comments
              "queries": {
                "uptime": {"query": "SELECT * FROM uptime", "interval": 60},
                "nope": {"query": "SELECT * FROM nope", "interval": 60}
              }
            }
            """, dir, "mini.conf")
        let r = try CLI.vigil("profile-queries", "--config", pack, "--rounds", "3")
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("NAME") == true)
        #expect(lines.first?.contains("U C M F D") == true)
        let uptime = try #require(lines.first { $0.hasPrefix("uptime ") })
        // Levels come first: utilization 0 and cpu time 0 for a cheap query.
        #expect(uptime.split(separator: " ").dropFirst().prefix(2) == ["0", "0"])
        #expect(lines.contains { $0.hasPrefix("nope ") && $0.contains("error: no such table: nope") })
        #expect(r.stdout.contains("each the mean of 3 rounds"))
        #expect(r.stdout.contains("1 of 2 queries failed"))
    }

    @Test func jsonKeepsEachRound() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try write(#"{"schedule": {"one": {"query": "SELECT 1 AS x", "interval": 10}}}"#, dir, "osquery.conf")
        let r = try CLI.vigil("profile-queries", "--config", config, "--rounds", "2", "-f", "json")
        #expect(r.status == 0, "\(r.stderr)")
        let one = try queries(r.stdout)["one"]
        #expect((one?["runs"] as? [Any])?.count == 2)
        for key in ["utilization", "cpu_time", "user_time", "system_time", "memory", "fds", "duration"] {
            #expect(one?[key] != nil, "\(key)")
        }
        // `SELECT 1` opens nothing; the count is process-wide, and under load the
        // runtime's own threads may open a descriptor or two (an eventfd, an epoll) meanwhile.
        #expect(((one?["fds"] as? NSNumber)?.intValue ?? 99) <= 2)
    }

    /// Per-query memory, in a process that runs nothing else: a query that builds a
    /// 40 MB string raises the peak by at least that, a trivial one far less.
    @Test func memoryFollowsTheQuery() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try write("""
            {"schedule": {
              "big": {"query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT length(group_concat(s)) AS l FROM (SELECT printf('%.200c', i) AS s FROM n)", "interval": 10},
              "small": {"query": "SELECT 1 AS x", "interval": 10}
            }}
            """, dir, "osquery.conf")
        let r = try CLI.vigil("profile-queries", "--config", config, "--rounds", "1", "-f", "json")
        #expect(r.status == 0, "\(r.stderr)")
        let profiled = try queries(r.stdout)
        let big = try #require((profiled["big"]?["memory"] as? NSNumber)?.doubleValue, "\(r.stdout)")
        let small = try #require((profiled["small"]?["memory"] as? NSNumber)?.doubleValue, "\(r.stdout)")
        #expect(big > 4 * 1024 * 1024, "a 40 MB string: \(big) bytes")
        #expect(small < big / 10, "SELECT 1: \(small) bytes, the 40 MB string \(big)")
    }

    @Test func badConfigsExitNonZeroNamingFileAndReason() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let noQuery = try write("schedule:\n  q:\n    interval: 10\n", dir, "no-query.yaml")
        let r = try CLI.vigil("profile-queries", "--config", noQuery)
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(noQuery):2:3: schedule.q has no query"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)

        let missing = try CLI.vigil("profile-queries", "--config", dir + "/absent.yaml")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("\(dir)/absent.yaml:1:1: cannot read the config"), "\(missing.stderr)")

        let empty = try write("options:\n  schedule_splay_percent: 10\n", dir, "empty.yaml")
        let none = try CLI.vigil("profile-queries", "--config", empty)
        #expect(none.status == 2)
        #expect(none.stderr.contains("\(empty):1:1: no queries to profile"), "\(none.stderr)")

        // A bare pack's errors point into the pack file.
        let badPack = try write("{\n  \"queries\": {\n    \"a\": {\"interval\": 10}\n  }\n}\n", dir, "bad.conf")
        let pack = try CLI.vigil("profile-queries", "--config", badPack)
        #expect(pack.status == 2)
        #expect(pack.stderr.contains("\(badPack):3:5:") && pack.stderr.contains("has no query"), "\(pack.stderr)")

        let rounds = try CLI.vigil("profile-queries", "--config", empty, "--rounds", "0")
        #expect(rounds.status != 0)
        #expect(rounds.stderr.contains("--rounds must be at least 1"))
    }
}
