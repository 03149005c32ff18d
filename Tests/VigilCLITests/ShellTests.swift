import Foundation
import Testing
import VigilTestSupport

@Suite(.ownThread) struct ShellTests {
    @Test func statementsSpanLinesAndDotCommandsWork() throws {
        let script = """
        .mode csv
        SELECT 1 AS a,
          2 AS b;
        .tables vigil_
        .schema vigil_info
        .timer on
        SELECT 3 AS c;
        .mode nonsense
        .quit
        SELECT 'never' AS x;
        """
        let r = try CLI.run(["shell", "--history", "/dev/null"], stdin: script)
        // The bad .mode fails the script, as a failing statement does.
        #expect(r.status == 1)
        #expect(r.stdout.contains("a,b\n1,2\n"))
        #expect(r.stdout.contains("  => vigil_info\n"))
        #expect(r.stdout.contains("  => vigil_tables\n"))
        #expect(r.stdout.contains("CREATE TABLE \"vigil_info\"("))
        #expect(r.stdout.contains("c\n3\nRun Time: real "))
        #expect(r.stderr.contains("Error: .mode takes one of"))
        #expect(!r.stdout.contains("Error"))
        #expect(!r.stdout.contains("never"))
    }

    /// A dot-command that fails reports on stderr and, in a script, sets the exit
    /// code; the rest of the script still runs.
    @Test(arguments: [
        (".schema nope", "Error: no such table: nope"),
        (".foo", "Error: unknown command .foo; type .help for the list"),
        (".timer maybe", "Error: .timer takes on or off"),
        (".mode xml", "Error: .mode takes one of: table, line, csv, json, jsonl"),
    ])
    func failingDotCommandInAScriptSetsTheExitCode(_ command: String, _ message: String) throws {
        let r = try CLI.run(["shell", "--history", "/dev/null"], stdin: "\(command)\n.mode csv\nSELECT 1 AS after;\n")
        #expect(r.status == 1)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stdout.contains("Error"))
        #expect(r.stdout.contains("after\n1\n"))
    }

    @Test func goodDotCommandsKeepTheExitCodeZero() throws {
        let r = try CLI.run(["shell", "--history", "/dev/null"], stdin: ".tables\n.schema uptime\n.mode line\n.timer on\n.timer off\n.help\n")
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    /// `.schema` alone prints the CREATE statement of every table, one per line.
    @Test func schemaWithoutArgumentListsEveryTable() throws {
        let r = try CLI.run(["shell", "--history", "/dev/null"], stdin: ".schema\n")
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        let tables = try CLI.vigil("tables").stdout.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
        #expect(lines.count == tables.count)
        #expect(lines.allSatisfy { $0.hasPrefix("CREATE TABLE \"") && $0.hasSuffix(");") })
        for name in ["processes", "file", "vigil_info"] {
            #expect(lines.contains { $0.hasPrefix("CREATE TABLE \"\(name)\"(") }, "no schema for \(name)")
        }
        #expect(r.stdout.contains("\"pid_with_namespace\" INTEGER HIDDEN"))
    }

    @Test func timerOffStopsTheTimings() throws {
        let r = try CLI.run(["shell", "--history", "/dev/null"], stdin: ".mode csv\n.timer on\nSELECT 1 AS a;\n.timer off\nSELECT 2 AS b;\n")
        #expect(r.status == 0)
        #expect(r.stdout.contains("a\n1\nRun Time: real "))
        #expect(r.stdout.hasSuffix("b\n2\n"), "\(r.stdout)")
        #expect(r.stdout.components(separatedBy: "Run Time:").count == 2)
    }

    /// EXPLAIN QUERY PLAN prints the plan as a tree, as osqueryi does, in any mode.
    @Test func queryPlanIsReadable() throws {
        let script = """
        EXPLAIN QUERY PLAN SELECT * FROM processes WHERE pid = 1;
        .mode csv
        EXPLAIN QUERY PLAN SELECT p.name FROM processes p JOIN process_open_files f USING (pid) WHERE p.pid IN (1, 2);
        """
        let r = try CLI.run(["shell", "--history", "/dev/null"], stdin: script)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("QUERY PLAN\n`--SCAN processes VIRTUAL TABLE INDEX 1:pid=?"), "\(r.stdout)")
        let plans = r.stdout.components(separatedBy: "QUERY PLAN\n")
        #expect(plans.count == 3)
        let join = plans.last ?? ""
        #expect(join.contains("|--SCAN p VIRTUAL TABLE INDEX 1:pid IN ?"), "\(join)")
        #expect(join.contains("`--SCAN f VIRTUAL TABLE INDEX 1:pid=?"), "\(join)")
        #expect(!r.stdout.contains("id,parent,notused,detail"))
    }

    @Test func failingStatementInAScriptSetsTheExitCode() throws {
        let r = try CLI.run(["shell", "--history", "/dev/null"], stdin: "SELECT * FROM nope;\n")
        #expect(r.status == 1)
        #expect(r.stderr.contains("no such table: nope"))
    }

    @Test func helpListsCommands() throws {
        let r = try CLI.run(["shell", "--history", "/dev/null"], stdin: ".help\n")
        for command in [".tables", ".schema", ".mode", ".timer", ".quit"] { #expect(r.stdout.contains(command)) }
    }
}
