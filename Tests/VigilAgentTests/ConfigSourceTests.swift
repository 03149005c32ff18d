import Foundation
import Testing
@testable import VigilAgent
import VigilTestSupport

/// The config an agent runs with a fleet server: the server's schedule under the local
/// flags, and the agent's own config when what the server sent cannot be used.
@Suite(.ownThread) struct ConfigSourceTests {
    func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-source-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try "s3cret\n".write(toFile: dir + "/secret", atomically: true, encoding: .utf8)
        try "schedule:\n  local_q:\n    query: SELECT 1\n    interval: 60\n".write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        try "--tls_hostname=127.0.0.1:8443\n--enroll_secret_path=\(dir)/secret\n--config_plugin=tls\n--distributed_interval=10\n"
            .write(toFile: dir + "/agent.flags", atomically: true, encoding: .utf8)
        return dir
    }

    func source(_ dir: String) -> ConfigSource {
        ConfigSource(configPath: dir + "/config.yaml", flagfile: dir + "/agent.flags", dataDirectory: dir + "/data", publishes: true)
    }

    @Test func theServersScheduleRunsUnderTheLocalFlags() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"schedule":{"server_q":{"query":"SELECT 2","interval":60}},"options":{"distributed_interval":30,"logger_tls_period":7}}"#
            .write(toFile: dir + "/data/server_config.json", atomically: true, encoding: .utf8)
        let loaded = try source(dir).load()
        #expect(loaded.config.schedule.map(\.name) == ["server_q"])
        // The local flag wins over the server's option; the server's own option applies.
        #expect(loaded.config.options.raw["distributed_interval"] == "10")
        #expect(loaded.config.options.raw["logger_tls_period"] == "7")
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
    }

    /// A server that sent a config the agent cannot use must not stop the agent from
    /// starting (it would then never fetch a better one).
    @Test func anUnusableServerConfigIsSetAsideNotFatal() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for bad in [#"{"options":{"logger_tls_period":"soon"}}"#, #"{"schedule":{"x":{"interval":60}}}"#, "not json {"] {
            try bad.write(toFile: dir + "/data/server_config.json", atomically: true, encoding: .utf8)
            let loaded = try source(dir).load()
            #expect(loaded.config.schedule.map(\.name) == ["local_q"], "\(bad)")
            #expect(loaded.warnings.contains { $0.message.contains("the server's config is not used") }, "\(bad): \(loaded.warnings)")
        }
    }
}
