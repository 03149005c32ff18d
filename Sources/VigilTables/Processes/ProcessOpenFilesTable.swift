import VigilSQL
import VigilSystem

/// `process_open_files`: every descriptor of each process, from /proc/PID/fd.
/// Reads only the pids a `pid` constraint names.
public struct ProcessOpenFilesTable: VirtualTable {
    public let schema = TableSchema("process_open_files", "Open descriptors of each process, from /proc/PID/fd.", [
        Column("pid", .bigint, "Process ID (a thread ID when asked for one)", .index),
        Column("fd", .bigint, "Descriptor number (N of /proc/PID/fd/N)"),
        Column("path", .text, "Link target: a file path, or socket:[N], pipe:[N], anon_inode:..."),
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
