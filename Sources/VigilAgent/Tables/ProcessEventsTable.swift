import VigilSQL
import VigilTrace

/// `process_events`: each exec since the query last ran, from the tracer's exec
/// tracepoint (not audit), with osquery's columns; those the tracer does not see
/// (environment, file times, effective ids) are NULL.
public struct ProcessEventsTable: VirtualTable {
    public static let schema = TableSchema("process_events", "Process executions seen by the kernel tracer since the scheduled query last ran (all buffered events for an ad hoc query).", [
        Column("pid", .bigint, "Process (or thread) ID"),
        Column("path", .text, "Path of executed file"),
        Column("mode", .text, "File mode permissions"),
        Column("cmdline", .text, "Command line arguments (argv)"),
        Column("cmdline_size", .bigint, "Actual size (bytes) of command line arguments", .hidden),
        Column("env", .text, "Environment variables delimited by spaces", .hidden),
        Column("env_count", .bigint, "Number of environment variables", .hidden),
        Column("env_size", .bigint, "Actual size (bytes) of environment list", .hidden),
        Column("cwd", .text, "The process current working directory"),
        Column("auid", .bigint, "Audit User ID at process start"),
        Column("uid", .bigint, "User ID at process start"),
        Column("euid", .bigint, "Effective user ID at process start"),
        Column("gid", .bigint, "Group ID at process start"),
        Column("egid", .bigint, "Effective group ID at process start"),
        Column("owner_uid", .bigint, "File owner user ID"),
        Column("owner_gid", .bigint, "File owner group ID"),
        Column("atime", .bigint, "File last access in UNIX time"),
        Column("mtime", .bigint, "File modification in UNIX time"),
        Column("ctime", .bigint, "File last metadata change in UNIX time"),
        Column("btime", .bigint, "File creation in UNIX time"),
        Column("overflows", .text, "List of structures that overflowed", .hidden),
        Column("parent", .bigint, "Process parent's PID, or -1 if cannot be determined."),
        Column("time", .bigint, "Time of execution in UNIX time"),
        Column("uptime", .bigint, "Time of execution in system uptime"),
        Column("eid", .text, "Event ID", .hidden),
        // osquery fills status on macOS only, so it is hidden on Linux; Vigil keeps the exec's result there.
        Column("status", .bigint, "Return value of the exec (osquery: OpenBSM status, macOS only)", .hidden),
        Column("fsuid", .bigint, "Filesystem user ID at process start"),
        Column("suid", .bigint, "Saved user ID at process start"),
        Column("fsgid", .bigint, "Filesystem group ID at process start"),
        Column("sgid", .bigint, "Saved group ID at process start"),
        Column("syscall", .text, "Syscall name: execve"),
        .alias("environment", of: "env", .text),
        .alias("environment_count", of: "env_count", .bigint),
        .alias("environment_size", of: "env_size", .bigint),
        .alias("access_time", of: "atime", .bigint),
        .alias("modify_time", of: "mtime", .bigint),
        .alias("change_time", of: "ctime", .bigint),
        .alias("create_time", of: "btime", .bigint),
    ])
    public var schema: TableSchema { Self.schema }
    let store: EventStore

    public init(store: EventStore) { self.store = store }

    public func generate(_ context: QueryContext) throws -> RowSequence { store.rows(Self.schema) }

    /// An exec as a row, in the schema's column order.
    static func row(_ e: ProcessEvent, exe: String, time: Int64) -> [SQLValue] {
        var row = Row(schema)
        let cmdline = e.argv.joined(separator: " ")
        row["pid"] = SQLValue(e.pid)
        row["path"] = .text(e.exe.isEmpty ? (exe.isEmpty ? e.filename : exe) : e.exe)
        row["cmdline"] = .text(cmdline)
        row["cmdline_size"] = SQLValue(cmdline.utf8.count)
        row["uid"] = SQLValue(e.header.uid)
        row["gid"] = SQLValue(e.header.gid)
        row["overflows"] = .text(e.argsTruncated ? "cmdline" : "")
        row["parent"] = SQLValue(e.ppid)
        row["time"] = SQLValue(time)
        row["uptime"] = SQLValue(e.header.bootTimeNanoseconds / 1_000_000_000)
        row["status"] = SQLValue(e.ret)
        row["syscall"] = "execve"
        return row.values
    }
}
