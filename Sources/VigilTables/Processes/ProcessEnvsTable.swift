import VigilSQL
import VigilSystem

/// `process_envs`: one row per environment variable of each process (/proc/PID/environ).
public struct ProcessEnvsTable: VirtualTable {
    public let schema = TableSchema("process_envs", "A key/value table of environment variables for each process.", [
        Column("pid", .integer, "Process (or thread) ID", .index),
        Column("key", .text, "Environment variable name"),
        Column("value", .text, "Environment variable value"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // Kernel threads have an empty environment, so no rows.
        try .perProcess(context, read: ProcFS.environment) { pid, entry in
            var row = Row(schema)
            row["pid"] = SQLValue(pid)
            row["key"] = .text(entry.0)
            row["value"] = .text(entry.1)
            return row
        }
    }
}
