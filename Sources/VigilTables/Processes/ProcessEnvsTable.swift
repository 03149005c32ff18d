import VigilSQL
import VigilSystem

/// `process_envs`: one row per environment variable of each process (/proc/PID/environ).
public struct ProcessEnvsTable: VirtualTable {
    public let schema = TableSchema("process_envs", "Environment of each process, one row per variable (/proc/PID/environ).", [
        Column("pid", .integer, "Process ID (a thread ID when asked for one)", .index),
        Column("key", .text, "Variable name: text before the first '='"),
        Column("value", .text, "Text after the first '='; empty if there is none"),
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
