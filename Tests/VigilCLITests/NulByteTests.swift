import Foundation
import Testing
import VigilTestSupport

/// Issue 19, item 3: a NUL byte in SQL, where SQL enters from outside. It once made
/// `vigil shell` spin until killed and the admin socket spin a core past its deadline.
@Suite(.ownThread, .serialized) struct NulByteTests {
    static let nul = "select 1\u{0};\n"

    /// `printf 'select 1\0;\n' | vigil shell`: an error naming the NUL, exit 1, at once.
    @Test func shellRefusesNul() throws {
        let started = Date()
        let r = try CLI.run(["shell", "--history", "/dev/null"], stdin: Self.nul, timeout: 20)
        #expect(r.status == 1, "status \(r.status): \(r.stderr)")
        #expect(r.stderr.contains("SQL contains a NUL byte"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
    }

    /// The same through the admin socket: refused with the error, the worker is the
    /// same process afterwards, and the next admin query answers.
    @Test func adminSocketRefusesNul() throws {
        let agent = try RunningAgent(config: AdminTests.clockConfig)
        try #require(agent.wait(30) { FileManager.default.fileExists(atPath: agent.dataDirectory + "/admin.sock") },
                     "no admin socket; log:\n\(agent.log)")
        let worker = try #require(agent.workerPID)
        let r = try CLI.run(["shell", "--agent", "--data-dir", agent.dataDirectory], stdin: Self.nul, timeout: 20)
        #expect(r.status == 1, "status \(r.status): \(r.stderr)")
        #expect(r.stderr.contains("SQL contains a NUL byte"), "\(r.stderr)")
        let again = try CLI.run(["query", "--agent", "--data-dir", agent.dataDirectory, "SELECT 1 AS one"], timeout: 20)
        #expect(again.status == 0 && again.stdout.contains("one"), "\(again.stderr)")
        #expect(agent.workerPID == worker)
    }
}
