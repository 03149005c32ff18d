import VigilSQL

/// `osquery_registry`: osquery's plugin registry as far as Vigil has one: every
/// table SQL can read, in the `table` registry (Fleet's library lists tables with
/// `SELECT DISTINCT name FROM osquery_registry`). Vigil's config and logger
/// outputs are not plugins, so no other registry has rows.
public struct OsqueryRegistryTable: VirtualTable {
    public let schema = TableSchema("osquery_registry", "osquery registry plugins: here the tables, in the table registry.", [
        Column("registry", .text, "Name of the osquery registry"),
        Column("name", .text, "Name of the plugin item"),
        Column("owner_uuid", .integer, "Extension route UUID (0 for core)"),
        Column("internal", .integer, "1 If the plugin is internal else 0"),
        Column("active", .integer, "1 If this plugin is active else 0"),
    ])
    let tableNames: [String]

    /// `tableNames`: the other tables; this one is added.
    public init(tableNames: [String]) { self.tableNames = (tableNames + ["osquery_registry"]).sorted() }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(tableNames) { name in
            var row = Row(schema)
            row["registry"] = "table"
            row["name"] = .text(name)
            row["owner_uuid"] = 0
            row["internal"] = 0
            row["active"] = 1
            return row
        }
    }
}
