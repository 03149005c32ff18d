import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// file_lines against files the test writes, split by Python (the same rule as Go's
/// bufio.ScanLines, which the macadmins extension uses: '\n' ends a line, a '\r'
/// before it is dropped, a last line without '\n' counts, empty lines count).
@Suite(.ownThread) struct FileLinesTests {
    static let splitter = """
    import sys
    for p in sys.argv[1:]:
        data = open(p, 'rb').read()
        lines = data.split(b'\\n')
        if lines and lines[-1] == b'': lines.pop()
        for l in lines:
            if l.endswith(b'\\r'): l = l[:-1]
            print(p + '\\t' + l.decode())
    """

    func truth(_ paths: [String]) throws -> [String] {
        try shell(["python3", "-c", Self.splitter] + paths).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    @Test func linesMatchAByteSplit() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.conf").path, b = dir.appendingPathComponent("b.conf").path
        try Data("blacklist cramfs\r\n\n# comment\ninstall cramfs /bin/false".utf8).write(to: URL(fileURLWithPath: a))
        try Data("x = 1\n\n".utf8).write(to: URL(fileURLWithPath: b))
        try Data("not matched".utf8).write(to: dir.appendingPathComponent("c.txt"))
        func rows(_ sql: String) throws -> [String] { try query(sql).map { "\($0["path"]!.string)\t\($0["line"]!.string)" } }

        #expect(try rows("SELECT * FROM file_lines WHERE path = '\(a)'") == (try truth([a])))
        #expect(try rows("SELECT * FROM file_lines WHERE path = '\(a)'").count == 4)
        // LIKE with osquery's % walks the folder: both .conf files, not the .txt.
        let like = try rows("SELECT * FROM file_lines WHERE path LIKE '\(dir.path)/%.conf' ORDER BY path")
        #expect(like == (try truth([a, b])))
        // The CIS policies' shape: a pattern and a filter on the line.
        #expect(try query("SELECT 1 FROM file_lines WHERE path LIKE '\(dir.path)/%.conf' AND line LIKE 'blacklist cramfs%' AND line NOT LIKE '#%'").count == 1)
        #expect(try rows("SELECT * FROM file_lines WHERE path IN ('\(a)', '\(b)')").count == 6)
    }

    @Test func missingFilesAndFoldersGiveNoRows() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try query("SELECT * FROM file_lines WHERE path = '\(dir.path)/absent'").isEmpty)
        #expect(try query("SELECT * FROM file_lines WHERE path = '\(dir.path)'").isEmpty)
    }

    @Test func pathIsRequired() {
        #expect(throws: (any Error).self) { try query("SELECT * FROM file_lines") }
    }
}
