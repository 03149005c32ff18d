import Foundation
import Testing
import VigilTestSupport

@Suite(.ownThread) struct QueryCommandTests {
    let pid = getpid()

    @Test func jsonHasTypedValues() throws {
        let r = try CLI.vigil("query", "SELECT pid, name FROM processes WHERE pid = \(pid)", "--format", "json")
        #expect(r.status == 0)
        let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 1)
        #expect(rows?.first?["pid"] as? Int == Int(pid))
    }

    @Test func jsonlIsOneObjectPerLine() throws {
        let r = try CLI.vigil("query", "SELECT pid FROM processes WHERE pid IN (1, \(pid))", "-f", "jsonl")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines { #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any]) }
    }

    @Test func csvQuotesAndHeader() throws {
        let r = try CLI.vigil("query", "SELECT 'a,b' AS x, 'say \"hi\"' AS y, 3 AS z", "-f", "csv")
        #expect(r.stdout == "x,y,z\n\"a,b\",\"say \"\"hi\"\"\",3\n")
    }

    @Test func lineMode() throws {
        let r = try CLI.vigil("query", "SELECT 1 AS a, 'two' AS bb", "-f", "line")
        #expect(r.stdout == " a = 1\nbb = two\n")
    }

    @Test func tableMode() throws {
        let r = try CLI.vigil("query", "SELECT 1 AS a, 'two' AS bb")
        #expect(r.stdout == "+---+-----+\n| a | bb  |\n+---+-----+\n| 1 | two |\n+---+-----+\n")
    }

    @Test func errorsExitNonZeroWithAClearMessage() throws {
        let unknown = try CLI.vigil("query", "SELECT * FROM proceses")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no such table: proceses"))
        #expect(unknown.stderr.contains("did you mean processes"))
        // An event table is the running agent's: the error says where to ask.
        let events = try CLI.vigil("query", "SELECT count(*) FROM process_events")
        #expect(events.status == 1)
        #expect(events.stderr.contains("no such table: process_events") && events.stderr.contains("vigil query --agent"), "\(events.stderr)")

        let malformed = try CLI.vigil("query", "SELEC * FROM processes")
        #expect(malformed.status == 1)
        #expect(malformed.stderr.contains("syntax error"))
        #expect(malformed.stderr.contains("SELEC * FROM processes\n^"))

        let required = try CLI.vigil("query", "SELECT * FROM hash")
        #expect(required.status == 1)
        #expect(required.stderr.contains("table hash requires an equality or IN constraint on one of the columns path, directory"))

        let column = try CLI.vigil("query", "SELECT nmae FROM processes")
        #expect(column.status == 1)
        #expect(column.stderr.contains("no such column: nmae"))
        #expect(column.stderr.contains("did you mean name"))
    }

    @Test func missingPathIsAnEmptyResult() throws {
        let r = try CLI.vigil("query", "SELECT * FROM file WHERE path = '/nonexistent/vigil/x'", "-f", "json")
        #expect(r.status == 0)
        #expect(r.stdout == "[]\n")
    }

    @Test func vigilInfoDescribesTheRunningBinary() throws {
        let r = try CLI.vigil("query", "SELECT version, pid, path, start_time FROM vigil_info", "-f", "json")
        let row = try #require((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])?.first)
        let version = try CLI.vigil("--version").stdout
        #expect(version.contains(row["version"] as? String ?? "?"))
        #expect(URL(fileURLWithPath: row["path"] as? String ?? "").resolvingSymlinksInPath() == URL(fileURLWithPath: CLI.binary).resolvingSymlinksInPath())
        let started = row["start_time"] as? Int ?? 0
        #expect(abs(started - Int(Date().timeIntervalSince1970)) < 30)
        #expect((row["pid"] as? Int ?? 0) > 0)
    }

    @Test func emptySQLIsRejected() throws {
        let r = try CLI.vigil("query", "  ;")
        #expect(r.status != 0)
        #expect(r.stderr.contains("the SQL is empty"))
    }

    @Test func badFormatIsRejected() throws {
        let r = try CLI.vigil("query", "SELECT 1", "--format", "xml")
        #expect(r.status != 0)
        #expect(r.stderr.contains("xml"))
    }

    @Test func explainQueryPlanIsATree() throws {
        let r = try CLI.vigil("query", "EXPLAIN QUERY PLAN SELECT * FROM processes WHERE pid = 1")
        #expect(r.stdout.hasPrefix("QUERY PLAN\n`--SCAN processes VIRTUAL TABLE INDEX 1:pid=?"))
    }

    @Test func rowsPrintedBeforeAnErrorAreKept() throws {
        let r = try CLI.vigil("query", "SELECT 1 AS a; SELECT * FROM nope", "-f", "csv")
        #expect(r.status == 1)
        #expect(r.stdout == "a\n1\n")
        #expect(r.stderr.contains("no such table: nope"))
    }

    /// `vigil query SQL` under `strace -f -e trace=openat,open`: its status and log,
    /// or nil when strace is not installed (an error in CI, where it must be).
    func straced(_ sql: String) throws -> (status: Int32, log: String)? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("strace missing in CI") }
            return nil
        }
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-strace-\(UUID().uuidString)").path
        let r = try CLI.run(["-f", "-e", "trace=openat,open", "-o", trace, CLI.binary, "query", sql], executable: "/usr/bin/strace")
        let log = try String(contentsOfFile: trace, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: trace)
        return (r.status, log)
    }

    /// The pids whose /proc entries the traced vigil opened. strace -f starts each line
    /// with the thread's id: a thread reading its own /proc entry (the runtime does,
    /// under load) is not a table reading /proc.
    func procEntriesOpened(_ log: String) -> Set<String> {
        let lines = log.split(separator: "\n")
        let threads = Set(lines.compactMap { $0.split(separator: " ").first.map(String.init) })
        return Set(lines.filter { $0.contains("\"/proc/") }.compactMap { line -> String? in
            guard let r = line.range(of: "\"/proc/") else { return nil }
            return String(line[r.upperBound...].prefix(while: { $0.isNumber }))
        }.filter { !$0.isEmpty && !threads.contains($0) })
    }

    /// Whether the traced vigil listed /proc itself (a full scan).
    func listedProc(_ log: String) -> Bool {
        log.split(separator: "\n").contains { $0.contains("\"/proc\",") && $0.contains("O_DIRECTORY") }
    }

    /// `WHERE pid = 1` must read /proc/1 only, however many processes run: strace is the witness.
    @Test func pidConstraintReadsOneProcEntry() throws {
        guard let (status, log) = try straced("SELECT pid, name, cmdline, uid FROM processes WHERE pid = 1") else { return }
        #expect(status == 0)
        let pids = procEntriesOpened(log)
        #expect(pids == ["1"], "opened /proc entries of \(pids)")
        #expect(!listedProc(log), "listed /proc")
    }

    /// `pid IN (1, X)` reads exactly those two entries.
    @Test func pidInListReadsOnlyThoseEntries() throws {
        guard let (status, log) = try straced("SELECT pid, name, uid FROM processes WHERE pid IN (1, \(pid))") else { return }
        #expect(status == 0)
        let pids = procEntriesOpened(log)
        #expect(pids == ["1", "\(pid)"], "opened /proc entries of \(pids)")
        #expect(!listedProc(log), "listed /proc")
    }

    /// process_open_files with `pid = X` lists /proc/X/fd and no other process's descriptors.
    @Test func openFilesReadsOneDescriptorDirectory() throws {
        guard let (status, log) = try straced("SELECT fd, path FROM process_open_files WHERE pid = \(pid)") else { return }
        #expect(status == 0)
        let pids = procEntriesOpened(log)
        #expect(pids == ["\(pid)"], "opened /proc entries of \(pids)")
        #expect(!listedProc(log), "listed /proc")
        let fdDirectory = log.split(separator: "\n").contains { $0.contains("\"/proc/\(pid)/fd\"") }
        #expect(fdDirectory, "never opened /proc/\(pid)/fd")
    }

    /// Columns nobody asked for cost nothing: `pid, name` reads each stat file only,
    /// never io, cgroup or status.
    @Test func unusedColumnsAreNotRead() throws {
        guard let (status, log) = try straced("SELECT pid, name FROM processes") else { return }
        #expect(status == 0)
        #expect(listedProc(log), "a full scan should list /proc")
        let lines = log.split(separator: "\n")
        #expect(lines.contains { $0.contains("\"stat\"") || $0.range(of: #"/proc/[0-9]+/stat""#, options: .regularExpression) != nil },
                "no stat file was read")
        let threads = Set(lines.compactMap { $0.split(separator: " ").first.map(String.init) })
        for file in ["io", "cgroup", "status"] {
            // Relative to an open /proc/PID directory (openat(N, "io")) or as a full path.
            let reads = lines.filter { line in
                if line.contains(", \"\(file)\",") { return true }
                guard let r = line.range(of: #"/proc/[0-9]+/"# + file + "\"", options: .regularExpression) else { return false }
                let owner = line[r].dropFirst(6).prefix(while: { $0.isNumber })
                return !threads.contains(String(owner))
            }
            #expect(reads.isEmpty, "read \(file): \(reads.prefix(3))")
        }
    }

    /// Blobs print as hex in every text format, never as raw bytes (NUL, 0xFF).
    @Test func blobsPrintAsHex() throws {
        let sql = "SELECT x'00ff41' AS b, 'a' AS t"
        let table = try CLI.vigil("query", sql)
        #expect(table.stdout == "+--------+---+\n| b      | t |\n+--------+---+\n| 00ff41 | a |\n+--------+---+\n")
        let line = try CLI.vigil("query", sql, "-f", "line")
        #expect(line.stdout == "b = 00ff41\nt = a\n")
        let csv = try CLI.vigil("query", sql, "-f", "csv")
        #expect(csv.stdout == "b,t\n00ff41,a\n")
        let json = try CLI.vigil("query", sql, "-f", "json")
        #expect(json.stdout == "[\n  {\"b\":\"00ff41\",\"t\":\"a\"}\n]\n")
        for r in [table, line, csv, json] {
            #expect(!r.stdout.utf8.contains(0), "a NUL byte was printed")
        }
    }

    /// Several statements with `-f json` still make one JSON document: one array
    /// holding the rows of every statement, in order.
    @Test func jsonOfSeveralStatementsIsOneArray() throws {
        let r = try CLI.vigil("query", "SELECT 1 AS a; SELECT 2 AS b UNION ALL SELECT 3; SELECT 4 AS a WHERE 0", "-f", "json")
        #expect(r.status == 0)
        let parsed = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let rows = try #require(parsed as? [[String: Int]], "not one JSON array: \(r.stdout)")
        #expect(rows == [["a": 1], ["b": 2], ["b": 3]])

        // Rows printed before an error still end in a complete document.
        let failed = try CLI.vigil("query", "SELECT 1 AS a; SELECT * FROM nope", "-f", "json")
        #expect(failed.status == 1)
        let partial = try? JSONSerialization.jsonObject(with: Data(failed.stdout.utf8))
        #expect((partial as? [[String: Int]]) == [["a": 1]], "\(failed.stdout)")
        #expect(failed.stderr.contains("no such table: nope"))
    }

    /// SQL that stops short gets a caret at its end, like any other syntax error.
    @Test func incompleteInputShowsWhere() throws {
        let r = try CLI.vigil("query", "SELECT * FROM processes WHERE")
        #expect(r.status == 1)
        #expect(r.stderr == "Error: incomplete input\nSELECT * FROM processes WHERE\n" + String(repeating: " ", count: 29) + "^\n")
        let second = try CLI.vigil("query", "SELECT 1 AS a;\nSELECT * FROM processes WHERE pid =", "-f", "csv")
        #expect(second.stdout == "a\n1\n")
        #expect(second.stderr.hasSuffix("SELECT * FROM processes WHERE pid =\n" + String(repeating: " ", count: 35) + "^\n"), "\(second.stderr)")
    }

    @Test func vacuumIntoIsRefusedByName() throws {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-vacuum-\(UUID().uuidString).db").path
        let r = try CLI.vigil("query", "VACUUM INTO '\(target)'")
        #expect(r.status == 1)
        #expect(r.stderr.contains("VACUUM INTO is not allowed"))
        #expect(!r.stderr.contains("ATTACH"))
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func pragmaFunctionsDescribeTables() throws {
        let r = try CLI.vigil("query", "SELECT name, type FROM pragma_table_info('processes') WHERE name = 'pid'", "-f", "csv")
        #expect(r.status == 0)
        #expect(r.stdout == "name,type\npid,BIGINT\n")
        let list = try CLI.vigil("query", "SELECT name FROM pragma_table_list WHERE name = 'sqlite_schema'", "-f", "csv")
        #expect(list.stdout == "name\nsqlite_schema\n")
    }
}

/// Issue 19, item 12: SQL that starts with a comment is SQL, not an option.
@Suite(.ownThread) struct LeadingCommentTests {
    @Test func sqlStartingWithACommentRuns() throws {
        let r = try CLI.run(["query", "-f", "csv", "-- why\nSELECT 1 AS one"], timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "one\n1\n")
        let refused = try CLI.run(["query", "; REINDEX"], timeout: 30)
        #expect(refused.status == 1 && refused.stderr.contains("REINDEX is not allowed"), "\(refused.stderr)")
    }
}
