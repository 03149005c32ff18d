import Foundation
import Testing
import VigilTestSupport

/// Issue 19, item 11: any user names their processes; a command line with terminal
/// escapes must not reach the terminal of whoever runs `vigil query`.
@Suite(.ownThread) struct TerminalEscapeTests {
    @Test func hostileCommandLineIsPrintedEscaped() throws {
        let name = "x\u{1b}]0;pwned\u{07}\u{1b}[2J\nforged"
        let pid = try spawnClean(["/bin/sh", "-c", "sleep 30; true", name])
        defer { kill(pid, SIGKILL); reap(pid) }
        usleep(200_000)
        for format in ["table", "line"] {
            let r = try CLI.run(["query", "-f", format, "SELECT cmdline FROM processes WHERE pid = \(pid)"], timeout: 30)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stdout.utf8.contains(0x1b) && !r.stdout.utf8.contains(0x07), "\(r.stdout.debugDescription)")
            #expect(r.stdout.contains("x\\x1b]0;pwned\\x07\\x1b[2J\\nforged"), "\(r.stdout)")
        }
        // JSON keeps the exact text (escaped as JSON does).
        let json = try CLI.run(["query", "-f", "json", "SELECT cmdline FROM processes WHERE pid = \(pid)"], timeout: 30)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect((rows.first?["cmdline"] as? String)?.contains(name) == true, "\(json.stdout)")
    }
}
