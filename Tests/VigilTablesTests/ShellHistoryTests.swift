import Foundation
import Testing
import VigilSQL
import VigilSystem
import VigilTestSupport

@Suite(.ownThread, .serialized) struct ShellHistoryTests {
    /// root's home as /etc/passwd names it.
    func rootHome() throws -> String {
        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let line = try #require(passwd.split(separator: "\n").first { $0.split(separator: ":")[2] == "0" })
        return String(line.split(separator: ":", omittingEmptySubsequences: false)[5])
    }

    /// Rows for uid 0 and root's .bash_history are that file's commands. When the
    /// file does not exist the test writes one (with a bash timestamp) and removes it.
    @Test func rootBashHistoryMatchesFile() throws {
        let path = try rootHome() + "/.bash_history"
        let fm = FileManager.default
        var created = false
        if !fm.fileExists(atPath: path) {
            try Data("ls -la\n#1700000000\necho 'vigil test'\ncd /tmp\n".utf8).write(to: URL(fileURLWithPath: path))
            created = true
        }
        defer { if created { try? fm.removeItem(atPath: path) } }

        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let isStamp = { (l: String) in l.first == "#" && l.count > 1 && l.dropFirst().allSatisfy(\.isNumber) }
        let commands = lines.filter { !isStamp($0) }

        let rows = try query("SELECT uid, time, command, history_file FROM shell_history WHERE uid = 0")
            .filter { $0["history_file"]?.string == path }
        #expect(rows.map { $0["command"]!.string } == commands)
        #expect(rows.allSatisfy { $0["uid"]?.int == 0 })
        if created {
            #expect(rows.map { $0["time"]!.int } == [0, 1_700_000_000, 0])
        }
        // A uid constraint reads only that user's home: nobody has this uid.
        let other = try query("SELECT history_file FROM shell_history WHERE uid = 4294967294")
        #expect(!other.contains { $0["history_file"]?.string == path })
        if !commands.isEmpty {
            let unconstrained = try query("SELECT uid FROM shell_history WHERE history_file = '\(path)'")
            #expect(unconstrained.count == commands.count)
        }
    }

    /// zsh EXTENDED_HISTORY lines carry their own timestamps.
    @Test func zshExtendedFormat() {
        let entries = ShellHistory.parse(": 1700000001:0;git status\n: 1700000002:5;make test\nplain line\n")
        #expect(entries == [
            HistoryEntry(time: 1_700_000_001, command: "git status"),
            HistoryEntry(time: 1_700_000_002, command: "make test"),
            HistoryEntry(time: 0, command: "plain line"),
        ])
    }
}
