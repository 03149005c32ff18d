import Foundation
import Glibc
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

@Suite(.ownThread) struct LastTests {
    /// Records written with glibc's updwtmp into a wtmp file of the test's own; the
    /// table's rows are the login and logout records utmpdump shows in it.
    @Test func rowsMatchUtmpdump() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("wtmp").path
        // glibc's updwtmp appends to an existing file only, as to /var/log/wtmp.
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        func record(_ type: Int16, pid: Int32, line: String, user: String, host: String, time: Int) {
            var ut = utmp()
            ut.ut_type = type
            ut.ut_pid = pid
            withUnsafeMutableBytes(of: &ut.ut_line) { $0.copyBytes(from: Array(line.utf8)) }
            withUnsafeMutableBytes(of: &ut.ut_user) { $0.copyBytes(from: Array(user.utf8)) }
            withUnsafeMutableBytes(of: &ut.ut_host) { $0.copyBytes(from: Array(host.utf8)) }
            ut.ut_tv.tv_sec = Int32(time)
            updwtmp(path, &ut)
        }
        record(2, pid: 0, line: "~", user: "reboot", host: "6.18.0", time: 1_796_000_000)   // BOOT_TIME: not a login
        record(7, pid: 4242, line: "pts/3", user: "alice", host: "10.1.2.3", time: 1_796_000_100)
        record(8, pid: 4242, line: "pts/3", user: "", host: "", time: 1_796_000_200)
        let rows = try LastTable(path: path).generate(QueryContext(schema: LastTable().schema)).all()
        try #require(rows.count == 2)
        // utmpdump: [type] [pid] [id] [user] [line] [host] [addr] [time]
        let dump = try shell(["utmpdump", path]).split(separator: "\n").filter { $0.hasPrefix("[7]") || $0.hasPrefix("[8]") }
        #expect(dump.count == rows.count)
        for (row, line) in zip(rows, dump) {
            let fields = line.split(separator: "]").map { $0.drop(while: { $0 == " " || $0 == "[" }).trimmingCharacters(in: .whitespaces) }
            #expect(row["type"]?.int == Int64(fields[0]))
            #expect(row["pid"]?.int == Int64(fields[1]))
            #expect(row["username"]?.string == fields[3])
            #expect(row["tty"]?.string == fields[4])
            #expect(row["host"]?.string == fields[5])
        }
        #expect(rows[0]["time"]?.int == 1_796_000_100)
        #expect(rows[0]["type_name"]?.string == "user-process")
        #expect(rows[1]["type_name"]?.string == "dead-process")
    }

    @Test func hostTableRuns() throws {
        _ = try query("SELECT * FROM last")
    }
}

extension RowSequence {
    /// Every row, as SQL would return them by column name.
    func all() throws -> [[String: SQLValue]] {
        var out: [[String: SQLValue]] = []
        while let row = try next() {
            out.append(Dictionary(uniqueKeysWithValues: zip(row.schema.columns.map(\.name), row.values)))
        }
        return out
    }
}
