import Foundation
import Testing
import VigilTestSupport

/// osquery's own tables in `vigil query`, as osqueryi answers them.
@Suite(.ownThread) struct OsqueryOwnTablesTests {
    func rows(_ sql: String) throws -> [[String: Any]] {
        let r = try CLI.vigil("query", sql, "-f", "json")
        #expect(r.status == 0, "\(r.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    @Test func osqueryInfoIsThisProcessWithTheHostUUID() throws {
        let info = try #require(try rows("SELECT i.uuid, i.pid, i.watcher, s.uuid AS system_uuid FROM osquery_info i, system_info s").first)
        #expect(info["uuid"] as? String == info["system_uuid"] as? String)
        #expect((info["uuid"] as? String ?? "").count == 36)
        #expect(info["watcher"] as? Int == -1)
        // The osquery-monitoring pack's heartbeat joins it to processes by pid.
        #expect(try rows("SELECT i.*, p.resident_size FROM osquery_info i, processes p, time WHERE p.pid = i.pid").count == 1)
    }

    @Test func scheduleIsEmptyAndEventsListThePublisher() throws {
        #expect(try rows("SELECT name, interval, executions FROM osquery_schedule").isEmpty)
        let events = try rows("SELECT name, publisher, type, subscriptions, events, active FROM osquery_events")
        #expect(events.contains { $0["type"] as? String == "publisher" })
        #expect(events.filter { $0["type"] as? String == "subscriber" }.map { $0["name"] as? String ?? "" }.sorted()
            == ["file_events", "hardware_events", "process_events", "seccomp_events", "selinux_events", "socket_events", "syslog_events", "user_events"])
        #expect(events.allSatisfy { $0["active"] as? Int == 0 })
    }

    /// No extensions: osqueryi's single core row, with the version osquery_info gives.
    @Test func extensionsListOnlyTheCore() throws {
        let rows = try rows("SELECT e.*, i.version AS info_version FROM osquery_extensions e, osquery_info i")
        #expect(rows.count == 1)
        #expect(rows.first?["name"] as? String == "core" && rows.first?["type"] as? String == "core")
        #expect(rows.first?["uuid"] as? Int == 0)
        #expect(rows.first?["version"] as? String == rows.first?["info_version"] as? String)
    }

    /// Each of osquery's own tables answers in `vigil query`, as in osqueryi, and the
    /// registry lists them all among its tables.
    @Test func everyOwnTableAnswers() throws {
        let own = ["osquery_info", "osquery_flags", "osquery_registry", "osquery_packs", "osquery_extensions", "osquery_schedule", "osquery_events"]
        for table in own {
            let r = try CLI.vigil("query", "-f", "json", "SELECT * FROM \(table)")
            #expect(r.status == 0, "\(table): \(r.stderr)")
        }
        let registered = try rows("SELECT name FROM osquery_registry WHERE registry = 'table'").compactMap { $0["name"] as? String }
        #expect(Set(own).isSubset(of: registered), "\(registered)")
        // osqueryi's one row per flag; here one per option or flag Vigil honours.
        let flags = try rows("SELECT name FROM osquery_flags").compactMap { $0["name"] as? String }
        #expect(flags.contains("events_max") && flags.contains("tls_hostname") && Set(flags).count == flags.count)
    }

    @Test func osqueryFunctionsRunFromTheCommandLine() throws {
        let r = try rows("SELECT split('a,b', ',', 1) AS s, sha256('') AS h, community_id_v1('1.2.3.4', '5.6.7.8', 1122, 3344, 6) AS c")
        #expect(r.first?["s"] as? String == "b")
        #expect(r.first?["h"] as? String == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect((r.first?["c"] as? String ?? "").hasPrefix("1:"))
    }
}
