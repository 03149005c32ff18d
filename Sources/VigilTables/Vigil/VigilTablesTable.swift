import VigilSQL

/// `vigil_tables`: every table and column Vigil serves, with its flags.
public struct VigilTablesTable: VirtualTable {
    public let schema = TableSchema("vigil_tables", "Every table Vigil serves, one row per column, with its type and flags.", [
        Column("table_name", .text, "Table name", .index),
        Column("table_description", .text, "What the table holds"),
        Column("position", .integer, "Column position, from 0"),
        Column("column_name", .text, "Column name"),
        Column("column_type", .text, "Column type as in osquery specs (TEXT, INTEGER, BIGINT, ...)"),
        Column("column_description", .text, "What the column holds"),
        Column("indexed", .integer, "1 if equality/IN constraints on it are pushed down"),
        Column("required", .integer, "1 if the table needs a constraint on it (or another required column)"),
        Column("hidden", .integer, "1 if SELECT * leaves it out"),
        Column("additional", .integer, "1 if it is computed only when used"),
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
