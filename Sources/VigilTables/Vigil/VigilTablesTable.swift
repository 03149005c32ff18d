import VigilSQL

/// `vigil_tables`: every table and column Vigil serves, with its flags.
public struct VigilTablesTable: VirtualTable {
    public let schema = TableSchema("vigil_tables", "Schema of every Vigil table: one row per column, with its flags.", [
        Column("table_name", .text, "Name of the table", .index),
        Column("table_description", .text, "One-line summary of the table"),
        Column("position", .integer, "0-based position of the column in its table"),
        Column("column_name", .text, "Name of the column"),
        Column("column_type", .text, "Declared type: TEXT, INTEGER, BIGINT, ..."),
        Column("column_description", .text, "One-line summary of the column"),
        Column("indexed", .integer, "1 when = and IN constraints on the column reach the table"),
        Column("required", .integer, "1 when a query must constrain it (or another required column)"),
        Column("hidden", .integer, "1 when SELECT * omits the column"),
        Column("additional", .integer, "1 when constraints on it are pushed down and tell the table what else to read (osquery's additional)"),
    ])

    let schemas: [TableSchema]

    public init(schemas: [TableSchema]) {
        // Describe itself too.
        self.schemas = schemas
    }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let all = (schemas + [schema]).sorted { $0.name < $1.name }
        let wanted = context.texts("table_name").map(Set.init)
        var rows: [Row] = []
        for t in all where wanted?.contains(t.name) ?? true {
            for (i, c) in t.columns.enumerated() {
                var row = Row(schema)
                row["table_name"] = .text(t.name)
                row["table_description"] = .text(t.description)
                row["position"] = SQLValue(i)
                row["column_name"] = .text(c.name)
                row["column_type"] = .text(c.type.rawValue)
                row["column_description"] = .text(c.description)
                row["indexed"] = SQLValue(c.flags.contains(.index))
                row["required"] = SQLValue(c.flags.contains(.required))
                row["hidden"] = SQLValue(c.flags.contains(.hidden))
                row["additional"] = SQLValue(c.flags.contains(.additional))
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
