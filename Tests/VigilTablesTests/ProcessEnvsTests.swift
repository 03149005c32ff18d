import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct ProcessEnvsTests {
    @Test func childEnvironmentIsVisibleUnderItsPid() throws {
        let marker = "vigil-\(UUID().uuidString)"
        let child = try spawnSleeper(environment: ["VIGIL_TEST_MARKER": marker, "SECOND": "a=b=c"])
        defer { stopSleeper(child) }

        let rows = try query("SELECT pid, key, value FROM process_envs WHERE pid = \(child.processIdentifier)")
        #expect(rows.allSatisfy { $0["pid"]?.int == Int64(child.processIdentifier) })
        let env = Dictionary(rows.map { ($0["key"]!.string, $0["value"]!.string) }, uniquingKeysWith: { a, _ in a })
        #expect(env["VIGIL_TEST_MARKER"] == marker)
        // Only the first '=' separates key from value.
        #expect(env["SECOND"] == "a=b=c")
        #expect(env.count == 2)
    }

    @Test func ownEnvironmentMatchesProcessInfo() throws {
        let rows = try query("SELECT key, value FROM process_envs WHERE pid = \(getpid()) AND key = 'PATH'")
        // /proc/PID/environ is the environment at exec time; PATH is not changed by the test runner.
        #expect(rows.first?["value"]?.string == ProcessInfo.processInfo.environment["PATH"])
    }
}
