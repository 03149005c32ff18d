import VigilSQL
import VigilSystem

/// `process_open_files`: every descriptor of each process, from /proc/PID/fd.
/// Reads only the pids a `pid` constraint names.
public struct ProcessOpenFilesTable: VirtualTable {
    public let schema = TableSchema("process_open_files", "File descriptors for each process.", [
        Column("pid", .bigint, "Process (or thread) ID", .index),
        Column("fd", .bigint, "Process-specific file descriptor number"),
        Column("path", .text, "Filesystem path of descriptor"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        try .perProcess(context, read: ProcFS.descriptors) { pid, d in
            var row = Row(schema)
            row["pid"] = SQLValue(pid)
            row["fd"] = .integer(d.fd)
            row["path"] = .text(d.target)
            return row
        }
    }
}
