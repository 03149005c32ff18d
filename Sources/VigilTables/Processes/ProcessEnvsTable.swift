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
        let pids = try ProcFS.pids(constrainedTo: context.integers("pid"))
        let rows = pids.lazy.flatMap { pid -> [Row] in
            // Kernel threads have an empty environ; exited processes are skipped.
            let env = (try? ProcFS.environment(pid)) ?? []
            return env.map { key, value in
                var row = Row(schema)
                row["pid"] = SQLValue(pid)
                row["key"] = .text(key)
                row["value"] = .text(value)
                return row
            }
        }
        return RowSequence(rows) { $0 }
    }
}
