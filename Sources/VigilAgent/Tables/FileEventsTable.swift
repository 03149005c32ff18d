import VigilSQL

/// `file_events`: changes to the files under `file_paths` since the query last ran,
/// from the tracer (osquery reads inotify; Vigil sees the syscalls, so it also knows
/// which process made each change: the `pid` and `executable` columns osquery lacks).
public struct FileEventsTable: VirtualTable {
    public static let schema = TableSchema("file_events", "Changes to files under the config's file_paths seen by the kernel tracer since the scheduled query last ran (all buffered events for an ad hoc query).", [
        Column("target_path", .text, "The path associated with the event"),
        Column("category", .text, "The category of the file defined in the config"),
        Column("action", .text, "Change action (UPDATE, REMOVE, etc)"),
        Column("transaction_id", .bigint, "ID used during bulk update"),
        Column("inode", .bigint, "Filesystem inode number"),
        Column("uid", .bigint, "Owning user ID"),
        Column("gid", .bigint, "Owning group ID"),
        Column("mode", .text, "Permission bits"),
        Column("size", .bigint, "Size of file in bytes"),
        Column("atime", .bigint, "Last access time"),
        Column("mtime", .bigint, "Last modification time"),
        Column("ctime", .bigint, "Last status change time"),
        Column("md5", .text, "The MD5 of the file after change"),
        Column("sha1", .text, "The SHA1 of the file after change"),
        Column("sha256", .text, "The SHA256 of the file after change"),
        Column("hashed", .integer, "1 if the file was hashed, 0 if not, -1 if hashing failed"),
        Column("time", .bigint, "Time of file event"),
        Column("eid", .text, "Event ID", .hidden),
        Column("pid", .bigint, "Vigil: the process that made the change"),
        Column("executable", .text, "Vigil: that process's executable"),
    ])
    public var schema: TableSchema { Self.schema }
    let store: EventStore

    public init(store: EventStore) { self.store = store }

    public func generate(_ context: QueryContext) throws -> RowSequence { store.rows(Self.schema) }
}
