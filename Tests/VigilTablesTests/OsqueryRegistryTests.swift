import Testing
import VigilSQL
import VigilTables
import VigilTestSupport

/// osquery_registry's table registry names exactly the tables SQL can read: the
/// registry's list, vigil_tables' list, and each name preparing a query (a missing
/// table fails to prepare).
@Suite(.ownThread) struct OsqueryRegistryTests {
    @Test func tableRegistryIsEveryTable() throws {
        let names = try query("SELECT name FROM osquery_registry WHERE registry = 'table' ORDER BY name").map { $0["name"]!.string }
        #expect(names == TableRegistry.all().map(\.schema.name).sorted())
        #expect(names == (try query("SELECT DISTINCT table_name FROM vigil_tables ORDER BY table_name").map { $0["table_name"]!.string }))
        #expect(names.contains("osquery_registry") && names.contains("docker_containers"))
        // Each one is a table SQLite knows (a missing one fails to prepare).
        let db = try Database(tables: TableRegistry.all())
        for name in names { _ = try db.query("EXPLAIN SELECT * FROM \(name)") }
        #expect(try query("SELECT DISTINCT registry, owner_uuid, active FROM osquery_registry").count == 1)
    }
}
