import Foundation
import Testing
import VigilTestSupport

@Suite(.ownThread) struct DocsTests {
    /// docs/tables.md is generated from the schemas; a stale copy misleads users.
    @Test func tablesReferenceIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("docs/tables.md"), encoding: .utf8)
        let generated = try CLI.vigil("tables", "--markdown").stdout
        #expect(committed == generated, "docs/tables.md is stale: run `make docs` and commit it")
    }

    @Test func everyTableIsListedWithItsColumns() throws {
        let r = try CLI.vigil("query", "SELECT DISTINCT table_name FROM vigil_tables", "-f", "csv")
        let listed = Set(r.stdout.split(separator: "\n").dropFirst().map(String.init))
        let names = Set(try CLI.vigil("tables").stdout.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") })
        #expect(listed == names)
        #expect(listed.contains("processes"))
        let pid = try CLI.vigil("query", "SELECT indexed, column_type FROM vigil_tables WHERE table_name = 'processes' AND column_name = 'pid'", "-f", "csv")
        #expect(pid.stdout == "indexed,column_type\n1,BIGINT\n")
    }
}
