import Foundation
import Testing
import VigilAgent
import VigilTestSupport

/// `logger_plugin` through the real agent: a syslog socket and a collector the test
/// listens with get the same records as the agent's results log.
@Suite(.ownThread) struct AgentOutputsTests {
    @Test func resultsGoToSyslogAndTCPToo() throws {
        let sockets = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-out-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: sockets, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sockets) }
        let daemon = try DatagramListener(path: sockets + "/log.sock")
        let collector = try TCPListener()
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
              disable_events: true
              logger_plugin: filesystem, syslog, tcp
              logger_syslog_path: \(daemon.path)
              logger_syslog_facility: 1
              logger_tcp_endpoint: 127.0.0.1:\(collector.port)
            schedule:
              tick:
                query: SELECT unix_time FROM time
                interval: 1
            """)
        var messages: [String] = []
        let enough = agent.wait(30) {
            messages += daemon.drain()
            collector.poll()
            return messages.count >= 5 && collector.lines.count >= 5
        }
        #expect(enough, "\(messages.count) syslog messages, \(collector.lines.count) tcp lines; log:\n\(agent.log)")
        agent.stop()
        messages += daemon.drain()
        collector.poll()

        let logged = try String(contentsOfFile: agent.dataDirectory + "/results.log", encoding: .utf8).split(separator: "\n").map(String.init)
        // facility 1 (user) × 8 + info (6).
        let bodies = messages.compactMap { $0.wholeMatch(of: /<14>[A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d vigil\[\d+\]: (.*)/).map { String($0.1) } }
        #expect(bodies.count == messages.count, "every message has syslog(3)'s header: \(messages.first ?? "")")
        // Each output has what the log has, in order; the agent stopped mid-way may not
        // have handed over the last lines yet.
        #expect(!bodies.isEmpty && bodies == Array(logged.prefix(bodies.count)))
        #expect(!collector.lines.isEmpty && collector.lines == Array(logged.prefix(collector.lines.count)))

        let status = try agent.store().outputStatus()
        #expect(status.map(\.name) == ["filesystem", "syslog", "tcp"])
        #expect(status.allSatisfy { $0.deliveredRecords > 0 && $0.droppedRecords == 0 }, "\(status)")
    }

    /// osquery's logger_path is a directory: results go to osqueryd.results.log in it
    /// (a directory there used to make the worker exit and restart forever).
    @Test func loggerPathDirectoryHoldsOsquerysResultsLog() throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-logs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
              disable_events: true
              logger_path: \(logs)
            schedule:
              tick:
                query: SELECT unix_time FROM time
                interval: 1
            """)
        let file = logs + "/osqueryd.results.log"
        func lines() -> [String] {
            ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        // Several runs' lines: the worker keeps running and writing there.
        #expect(agent.wait(30) { lines().count >= 3 }, "log:\n\(agent.log)")
        agent.stop()
        let first = try #require(lines().first)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(record["name"] as? String == "tick")
        #expect(try FileManager.default.contentsOfDirectory(atPath: logs).allSatisfy { $0.hasPrefix("osqueryd.results.log") })
        #expect(!FileManager.default.fileExists(atPath: agent.dataDirectory + "/results.log"))
    }

    @Test func unknownOutputIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-out-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "options:\n  logger_plugin: filesystem,kinesis\n".write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        let result = try CLI.run(["agent", "--config", dir + "/config.yaml", "--data-dir", dir + "/data"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("'kinesis'") && result.stderr.contains("filesystem, syslog, stdout, tcp"), "\(result.stderr)")
    }
}
