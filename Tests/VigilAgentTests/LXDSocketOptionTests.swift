import Foundation
import Testing
import VigilSQL
import VigilTables
@testable import VigilAgent
import VigilTestSupport

/// osquery's `lxd_socket` flag as an option of the agent's config: the lxd tables the
/// scheduled queries read use that socket; without it, the registry's (osquery's default).
@Suite(.ownThread) struct LXDSocketOptionTests {
    func lxdInstances(_ config: AgentConfig) throws -> Database {
        let view = AgentStateView(statePath: "", schedule: Schedule(config: config, hostIdentifier: "h"), startTime: 0)
        let tables = SchedulerService.tables(view: view, events: EventStores(capacity: 1), config: config)
        #expect(tables.filter { $0.schema.name.hasPrefix("lxd_") }.count == 9)
        return try Database(tables: tables.filter { $0.schema.name == "lxd_instances" })
    }

    @Test func theOptionNamesTheSocketTheTablesRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-lxd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A plain file, not a daemon: a read of it fails with its path in the error.
        let path = dir.appendingPathComponent("lxd.socket").path
        try Data().write(to: URL(fileURLWithPath: path))
        let config = try ConfigLoader.parse(#"{"options": {"lxd_socket": "\#(path)"}}"#, file: "osquery.conf").config
        #expect(config.options.raw["lxd_socket"] == path)
        do {
            _ = try lxdInstances(config).query("SELECT * FROM lxd_instances")
            Issue.record("the option's socket was not read")
        } catch {
            #expect("\(error)".contains(path), "\(error)")
        }
        // Without the option, the registry's tables: no error from that file.
        _ = try lxdInstances(AgentConfig()).query("SELECT name FROM lxd_instances WHERE name = 'x'")
    }

    @Test func aListIsNotASocketPath() {
        do {
            _ = try ConfigLoader.parse("options:\n  lxd_socket: [a, b]\n", file: "a.yaml")
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("lxd_socket") && "\(error)".contains("a.yaml:"), "\(error)")
        }
    }
}
