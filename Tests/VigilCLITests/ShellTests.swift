import Foundation
import Testing

@Suite struct ShellTests {
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
        #expect(r.status == 0)
        #expect(r.stdout.contains("a,b\n1,2\n"))
        #expect(r.stdout.contains("  => vigil_info\n"))
        #expect(r.stdout.contains("  => vigil_tables\n"))
        #expect(r.stdout.contains("CREATE TABLE \"vigil_info\"("))
        #expect(r.stdout.contains("c\n3\nRun Time: real "))
        #expect(r.stdout.contains("Error: .mode takes one of"))
        #expect(!r.stdout.contains("never"))
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
