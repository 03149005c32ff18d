import Foundation
import Testing
import VigilTestSupport

/// `vigil shell` on a real terminal (tmux): libedit's prompt, continuation lines,
/// history recall with the Up arrow, the history file written at exit, Ctrl-C and Ctrl-D.
@Suite(.ownThread) struct InteractiveShellTests {
    let socket = "vigil-test-\(UUID().uuidString.prefix(8))"

    func tmux(_ arguments: String...) throws -> String {
        try CLI.run(["-L", socket] + arguments, executable: "/usr/bin/tmux").stdout
    }

    /// Poll the screen until `text` appears (or 30 s pass). tmux trims trailing spaces.
    func waitForScreen(containing text: String) throws -> String {
        // 30 s by the clock, not a count of tries, which each take longer on a loaded
        // machine (a fresh-clone run where this test took 309 s missed a screen).
        var screen = ""
        let deadline = Date().addingTimeInterval(30)
        repeat {
            screen = try tmux("capture-pane", "-t", "vigil", "-p")
            if screen.contains(text) { return screen }
            usleep(100_000)
        } while Date() < deadline
        return screen
    }

    /// `vigil ARGUMENTS` in a tmux session called "vigil", its exit status printed
    /// after it, and its first prompt on the screen.
    func startShell(_ arguments: String) throws {
        // tmux daemonises: start it with a clean signal mask and no inherited pipes.
        let start = try spawnClean(["/usr/bin/tmux", "-L", socket, "new-session", "-d", "-s", "vigil", "-x", "200", "-y", "50",
                                    "\(CLI.binary) \(arguments); echo \"shell exited $?\"; sleep 60"], quiet: true)
        #expect(reap(start) == 0)
        try #require(try waitForScreen(containing: "vigil>").contains("vigil>"))
    }

    /// About a minute of work for SQLite: only an interrupt ends it within a test's wait.
    static let longQuery = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) AS n FROM c\\;"

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

    /// Ctrl-C while a statement runs stops it (sqlite3_interrupt) and the shell carries
    /// on; Ctrl-C at the prompt drops the line being typed (a continuation too); a
    /// character beyond ASCII reaches SQL whole; Ctrl-D on an empty line exits 0.
    @Test func ctrlCInterruptsAndCtrlDLeaves() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "tmux missing (scripts/bootstrap installs it)")
        defer { _ = try? tmux("kill-server") }
        try startShell("shell --history /dev/null")

        _ = try tmux("send-keys", "-t", "vigil", Self.longQuery, "Enter")
        usleep(1_000_000)
        var screen = try tmux("capture-pane", "-t", "vigil", "-p")
        #expect(!screen.contains("Interrupted"), "screen:\n\(screen)")
        let sent = Date()
        _ = try tmux("send-keys", "-t", "vigil", "C-c")
        // Typing goes on only once the prompt is back (keys typed earlier would be echoed by the terminal).
        screen = try waitForScreen(containing: "Interrupted: Ctrl-C stopped the statement.\nvigil>")
        let latency = Date().timeIntervalSince(sent)
        #expect(screen.contains("Interrupted: Ctrl-C stopped the statement.\nvigil>"), "screen:\n\(screen)")
        #expect(latency < 3, "the interrupt took \(latency) s")

        // Ctrl-C at the prompt: the typed text is dropped, and so is an unfinished statement.
        _ = try tmux("send-keys", "-t", "vigil", "garbage")
        // Ctrl-C only once the shell has the text: SIGINT makes the terminal discard
        // input not yet read, which a loaded machine showed ("vigil> ^C", no garbage).
        screen = try waitForScreen(containing: "vigil> garbage")
        #expect(screen.contains("vigil> garbage"), "screen:\n\(screen)")
        _ = try tmux("send-keys", "-t", "vigil", "C-c")
        screen = try waitForScreen(containing: "vigil> garbage^C\nvigil>")
        #expect(screen.contains("vigil> garbage^C\nvigil>"), "screen:\n\(screen)")
        _ = try tmux("send-keys", "-t", "vigil", "SELECT 'dropped' AS d", "Enter")
        screen = try waitForScreen(containing: "...>")
        #expect(screen.contains("...>"), "screen:\n\(screen)")
        _ = try tmux("send-keys", "-t", "vigil", "C-c")
        screen = try waitForScreen(containing: "...> ^C\nvigil>")
        #expect(screen.contains("...> ^C\nvigil>"), "screen:\n\(screen)")
        _ = try tmux("send-keys", "-t", "vigil", "SELECT 6 * 7 AS answer, 'é' AS accent\\;", "Enter")
        screen = try waitForScreen(containing: "| 42     | é      |")
        #expect(screen.contains("| 42     | é      |"), "screen:\n\(screen)")
        #expect(!screen.contains("dropped |") && !screen.contains("Error"), "screen:\n\(screen)")

        _ = try tmux("send-keys", "-t", "vigil", "C-d")
        screen = try waitForScreen(containing: "shell exited")
        #expect(screen.contains("shell exited 0"), "screen:\n\(screen)")
    }

    /// With --agent, Ctrl-C hangs up and the agent interrupts the query at once: the
    /// next statement is answered at once, not after the agent's 60 s query timeout
    /// (it serves one request at a time).
    @Test func ctrlCInterruptsAQueryInTheAgent() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "tmux missing (scripts/bootstrap installs it)")
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
              admin_query_timeout: 60
              disable_events: true
            schedule:
              clock:
                query: SELECT unix_time FROM time
                interval: 3600
            """)
        try #require(agent.wait(30) { FileManager.default.fileExists(atPath: agent.dataDirectory + "/admin.sock") }, "no admin socket; log:\n\(agent.log)")
        defer { _ = try? tmux("kill-server") }
        try startShell("shell --agent --data-dir '\(agent.dataDirectory)' --history /dev/null")

        _ = try tmux("send-keys", "-t", "vigil", Self.longQuery, "Enter")
        usleep(1_000_000)
        _ = try tmux("send-keys", "-t", "vigil", "C-c")
        var screen = try waitForScreen(containing: "Interrupted: Ctrl-C stopped the statement.\nvigil>")
        #expect(screen.contains("Interrupted: Ctrl-C stopped the statement.\nvigil>"), "screen:\n\(screen)")
        let asked = Date()
        _ = try tmux("send-keys", "-t", "vigil", "SELECT 6 * 7 AS answer\\;", "Enter")
        screen = try waitForScreen(containing: "| 42     |")
        let waited = Date().timeIntervalSince(asked)
        #expect(screen.contains("| 42     |"), "screen:\n\(screen)\nagent log:\n\(agent.log)")
        #expect(waited < 5, "the next query waited \(waited) s: the agent went on with the interrupted one")
    }
}
