import Foundation
import Testing
import VigilSQL
import VigilSystem
@testable import VigilConsole
import VigilTestSupport

/// Captures what a writer prints, through a pipe.
func capture(_ body: (Output) -> Void) throws -> String {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    let out = Output(fd: fds[1])
    body(out)
    out.flush()
    close(fds[1])
    let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
    return String(decoding: data, as: UTF8.self)
}

@Suite(.ownThread) struct FormatTests {
    /// Issue 19, item 11: a command line with a terminal title sequence (ESC ] 0 ; …
    /// BEL), a clear-screen CSI in its C1 form (U+009B) and a newline that would forge a
    /// row. The human formats print them escaped: no control byte reaches the terminal
    /// but the line ends, and the table keeps one line per row.
    @Test func humanFormatsEscapeTerminalControls() throws {
        let hostile: [SQLValue] = [.text("x\u{1b}]0;pwned\u{07}"), .text("a\n| 1 | root |\u{9b}2J\tz")]
        for format in [OutputFormat.table, .line] {
            let text = try capture { out in
                let w = format.writer(columns: ["cmd\u{1b}[2J", "name"], to: out)
                w.write(hostile)
                w.finish()
            }
            let controls = text.unicodeScalars.filter { $0 != "\n" && TerminalText.isControl($0) }
            #expect(controls.isEmpty, "\(format): \(text.debugDescription)")
            #expect(text.contains("x\\x1b]0;pwned\\x07"), "\(text)")
            #expect(text.contains("a\\n| 1 | root |\\u{9b}2J\\tz"), "\(text)")
            #expect(text.contains("cmd\\x1b[2J"), "\(text)")
            #expect(text.split(separator: "\n").count == (format == .table ? 5 : 2), "\(text)")
        }
        // Machine formats keep the value: JSON escapes it its own way.
        #expect(JSON.string("x\u{1b}") == "\"x\\u001b\"")
    }

    @Test func jsonEscapesControlCharactersAndQuotes() {
        #expect(JSON.string("a\"b\\c\nd\u{1}") == "\"a\\\"b\\\\c\\nd\\u0001\"")
        #expect(JSON.value(.null) == "null")
        #expect(JSON.value(.integer(-3)) == "-3")
        #expect(JSON.value(.double(.nan)) == "null")
        #expect(JSON.value(.blob([0, 255])) == "\"00ff\"")
    }

    @Test func jsonArrayIsValidWithZeroOneAndManyRows() throws {
        for n in [0, 1, 3] {
            let text = try capture { out in
                let w = OutputFormat.json.writer(columns: ["a", "b"], to: out)
                for i in 0..<n { w.write([.integer(Int64(i)), .text("x\(i)")]) }
                w.finish()
            }
            let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
            #expect(parsed?.count == n)
        }
    }

    @Test func tableWidthsComeFromTheFirstRowsThenStream() throws {
        let text = try capture { out in
            let w = TableWriter(columns: ["n"], out: out)
            for i in 0..<1500 { w.write([.integer(Int64(i))]) }
            w.finish()
        }
        let lines = text.split(separator: "\n")
        #expect(lines.count == 1500 + 4)
        #expect(lines[0] == "+-----+")
        #expect(lines[3] == "| 0   |")
        #expect(lines[lines.count - 2] == "| 1499 |")
    }

    @Test func queryPlanTree() throws {
        let db = try Database(tables: [])
        let text = try capture { out in
            let runner = QueryRunner(database: db, format: .table, out: out, err: out)
            runner.run("EXPLAIN QUERY PLAN SELECT * FROM (SELECT 1 AS a UNION SELECT 2) ORDER BY a")
        }
        #expect(text.hasPrefix("QUERY PLAN\n"))
        #expect(text.contains("`--"))
    }

    @Test func timerLineFormat() {
        #expect(QueryRunner.seconds(1.0005) == "1.001")
        #expect(QueryRunner.seconds(0.042) == "0.042")
    }
}
