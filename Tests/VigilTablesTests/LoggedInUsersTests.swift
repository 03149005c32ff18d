import Foundation
import Testing
import VigilSQL
import VigilSystem
import VigilTestSupport

@Suite(.ownThread) struct LoggedInUsersTests {
    /// The table agrees with utmpdump's reading of the same file, less init's own (pid 1)
    /// records; empty when there is no utmp.
    @Test func matchesUtmpdump() throws {
        let rows = try query("SELECT type, user, tty, pid FROM logged_in_users")
        guard FileManager.default.fileExists(atPath: "/var/run/utmp") else {
            #expect(rows.isEmpty)
            return
        }
        let dumped = try shell(["utmpdump", "/var/run/utmp"]).split(separator: "\n").filter { !$0.contains("] [00001] [") }
        #expect(rows.count == dumped.count)
        #expect(rows.filter { $0["type"]?.string == "user" }.count == dumped.filter { $0.hasPrefix("[7]") }.count)
    }

    /// A utmp file the test writes with `utmpdump -r` reads back field for field.
    @Test func readsAUtmpFileWeWrote() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("utmp.txt").path
        let file = dir.appendingPathComponent("utmp").path
        try """
        [7] [04242] [ts/9] [vigiltest] [pts/9       ] [example.org         ] [0.0.0.0        ] [2024-01-02T03:04:05,000000+00:00]
        [2] [00000] [~~  ] [reboot  ] [~           ] [6.1.0               ] [0.0.0.0        ] [2024-01-02T03:00:00,000000+00:00]

        """.write(toFile: text, atomically: true, encoding: .utf8)
        _ = try shell(["sh", "-c", "utmpdump -r < '\(text)' > '\(file)'"])
        let entries = try Utmp.read(file)
        #expect(entries.count == 2)
        let user = try #require(entries.first)
        #expect(user.typeName == "user")
        #expect(user.user == "vigiltest")
        #expect(user.line == "pts/9")
        #expect(user.host == "example.org")
        #expect(user.pid == 4242)
        #expect(user.time == 1_704_164_645)
        #expect(entries.last?.typeName == "boot_time")
    }
}
