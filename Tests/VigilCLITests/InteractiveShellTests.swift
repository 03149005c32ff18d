import Foundation
import Testing
import VigilTestSupport

/// `vigil shell` on a real terminal (tmux): libedit's prompt, continuation lines,
/// history recall with the Up arrow, and the history file written at exit.
@Suite struct InteractiveShellTests {
    let socket = "vigil-test-\(UUID().uuidString.prefix(8))"

    func tmux(_ arguments: String...) throws -> String {
        try CLI.run(["-L", socket] + arguments, executable: "/usr/bin/tmux").stdout
    }

    /// Poll the screen until `text` appears (or 10 s pass). tmux trims trailing spaces.
    func waitForScreen(containing text: String) throws -> String {
        var screen = ""
        for _ in 0..<100 {
            screen = try tmux("capture-pane", "-t", "vigil", "-p")
            if screen.contains(text) { return screen }
            usleep(100_000)
        }
        return screen
    }

    @Test func editingHistoryAndContinuation() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("tmux missing in CI") }
            return
        }
        let history = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-history-\(UUID().uuidString)").path
        defer {
            _ = try? tmux("kill-server")
            try? FileManager.default.removeItem(atPath: history)
        }
        // tmux daemonises: start it with a clean signal mask and no inherited pipes.
        let start = try spawnClean(["/usr/bin/tmux", "-L", socket, "new-session", "-d", "-s", "vigil", "-x", "120", "-y", "40",
                                    "\(CLI.binary) shell --history \(history)"], quiet: true)
        #expect(reap(start) == 0)
        #expect(try waitForScreen(containing: "vigil>").contains("vigil>"))

        _ = try tmux("send-keys", "-t", "vigil", "SELECT 40 + 2 AS answer", "Enter")
        #expect(try waitForScreen(containing: "...>").contains("...>"))
        _ = try tmux("send-keys", "-t", "vigil", "\\;", "Enter")
        #expect(try waitForScreen(containing: "| 42     |").contains("| 42     |"))

        // Up recalls the statement; Enter runs it again: the result appears twice.
        _ = try tmux("send-keys", "-t", "vigil", "Up")
        _ = try tmux("send-keys", "-t", "vigil", "Enter")
        var screen = ""
        for _ in 0..<100 {
            screen = try tmux("capture-pane", "-t", "vigil", "-p")
            if screen.components(separatedBy: "| 42     |").count == 3 { break }
            usleep(100_000)
        }
        #expect(screen.components(separatedBy: "| 42     |").count == 3, "screen:\n\(screen)")

        _ = try tmux("send-keys", "-t", "vigil", ".quit", "Enter")
        var saved = ""
        for _ in 0..<50 {
            saved = (try? String(contentsOfFile: history, encoding: .utf8)) ?? ""
            if saved.contains(".quit") { break }
            usleep(100_000)
        }
        #expect(saved.contains("40\\040+\\0402"), "history file:\n\(saved)")
    }
}
