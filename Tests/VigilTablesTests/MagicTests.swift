import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// magic against the `file` command (the same libmagic and database) on an ELF
/// binary, a text file, a gzip file and a shell script the test writes.
@Suite(.ownThread) struct MagicTests {
    @Test func matchesFileCommand() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("run").path
        try "#!/bin/sh\necho hello\n".write(toFile: script, atomically: true, encoding: .utf8)
        let paths = ["/bin/ls", "/etc/passwd", "/usr/share/doc/coreutils/changelog.Debian.gz", script]
            .filter { FileManager.default.fileExists(atPath: $0) }
        try #require(paths.count >= 3)
        for path in paths {
            let rows = try query("SELECT * FROM magic WHERE path = '\(path)'")
            try #require(rows.count == 1, "\(path)")
            func file(_ flags: [String]) throws -> String {
                try shell(["file", "-b"] + flags + [path]).trimmingCharacters(in: .newlines)
            }
            #expect(rows[0]["data"]?.string == (try file([])), "\(path)")
            #expect(rows[0]["mime_type"]?.string == (try file(["--mime-type"])), "\(path)")
            #expect(rows[0]["mime_encoding"]?.string == (try file(["--mime-encoding"])), "\(path)")
        }
        #expect(try query("SELECT * FROM magic WHERE path = '\(dir.path)/missing'").isEmpty)
        #expect(throws: (any Error).self) { try query("SELECT * FROM magic") }
    }
}
