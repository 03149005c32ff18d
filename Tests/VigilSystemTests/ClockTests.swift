import Foundation
import Testing
import VigilSystem
import VigilTestSupport

/// Clock.unixSeconds(rfc3339:) against GNU date reading the same times.
@Suite(.ownThread) struct ClockTests {
    func date(_ text: String) throws -> Int64 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/date")
        p.arguments = ["-u", "-d", text, "+%s"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Int64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    @Test func rfc3339MatchesDate() throws {
        for text in ["2026-12-06T12:31:10.114678645Z", "2026-12-06T12:31:10Z", "1970-01-01T00:00:00Z",
                     "2024-02-29T23:59:59+01:00", "2024-03-01T00:30:00.5-05:30"] {
            #expect(Clock.unixSeconds(rfc3339: text) == (try date(text)), "\(text)")
        }
    }

    @Test func notRFC3339IsNil() {
        for text in ["", "2026-12-06", "2026-12-06 12:31:10 +0000 UTC", "2026-12-06T12:31:10", "2026-12-06T12:31:10Zx",
                     "2026-1x-06T12:31:10Z", "2026-12-06T12:31:10+0100"] {
            #expect(Clock.unixSeconds(rfc3339: text) == nil, "\(text)")
        }
    }
}
