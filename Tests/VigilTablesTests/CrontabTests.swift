import Foundation
import Testing
import VigilSQL
import VigilSystem
import VigilTestSupport

@Suite(.ownThread, .serialized) struct CrontabTests {
    /// Every schedule line of /etc/crontab and /etc/cron.d/* appears as a row of its file.
    /// A machine without any gets a test file in /etc/cron.d for the duration of the test.
    @Test func systemCrontabLinesAppear() throws {
        let fm = FileManager.default
        var files = ["/etc/crontab"].filter { fm.fileExists(atPath: $0) }
        files += ((try? fm.contentsOfDirectory(atPath: "/etc/cron.d")) ?? []).map { "/etc/cron.d/\($0)" }
        var expected = files.flatMap { path in scheduleLines(path).map { (path, $0) } }
        var created: String?
        if expected.isEmpty {
            let path = "/etc/cron.d/vigil-test"
            try fm.createDirectory(atPath: "/etc/cron.d", withIntermediateDirectories: true)
            try Data("SHELL=/bin/sh\n# comment\n*/5 * * * * root /bin/true vigil-test\n@reboot root /bin/true\n".utf8)
                .write(to: URL(fileURLWithPath: path))
            created = path
            expected = scheduleLines(path).map { (path, $0) }
        }
        defer { if let created { try? fm.removeItem(atPath: created) } }
        try #require(!expected.isEmpty)

        let rows = try query("SELECT * FROM crontab")
        let seen = Set(rows.map { r in
            let fields = ["event", "minute", "hour", "day_of_month", "month", "day_of_week", "command"]
                .map { r[$0]!.string }.filter { !$0.isEmpty }
            return r["path"]!.string + "\t" + fields.joined(separator: " ")
        })
        for (path, line) in expected {
            #expect(seen.contains(path + "\t" + line), "missing \(line) from \(path)")
        }
    }

    /// The parser on text with every kind of line.
    @Test func parsesEventsAssignmentsAndComments() {
        let text = """
            # m h dom mon dow user command
            SHELL=/bin/sh
            MAILTO = ""
            17 *\t* * *  root  cd / && run-parts --report /etc/cron.hourly
            @reboot root /usr/bin/true
              # indented comment
            """
        let entries = Crontab.parse(text, path: "/etc/crontab")
        #expect(entries.count == 2)
        #expect(entries.first == CronEntry(minute: "17", hour: "*", dayOfMonth: "*", month: "*", dayOfWeek: "*",
                                           command: "root cd / && run-parts --report /etc/cron.hourly", path: "/etc/crontab"))
        #expect(entries.last == CronEntry(event: "@reboot", command: "root /usr/bin/true", path: "/etc/crontab"))
    }

    /// Non-comment lines that schedule something, words joined by single spaces.
    func scheduleLines(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first, let c = first.first, c == "@" || c == "*" || c.isNumber else { return nil }
            return words.joined(separator: " ")
        }
    }
}
