import VigilSQL
import VigilSystem

/// `process_memory_map`: the mapped regions of each process (/proc/PID/maps).
public struct ProcessMemoryMapTable: VirtualTable {
    public let schema = TableSchema("process_memory_map", "Process memory mapped files and pseudo device/regions.", [
        Column("pid", .integer, "Process (or thread) ID", .index),
        Column("start", .text, "Virtual start address (hex)"),
        Column("end", .text, "Virtual end address (hex)"),
        Column("permissions", .text, "r=read, w=write, x=execute, p=private (cow), s=shared"),
        Column("offset", .bigint, "Offset into the mapped path"),
        Column("device", .text, "Major:minor device ID of the mapped file"),
        Column("inode", .integer, "Inode of the mapped file, 0 for anonymous or pseudo regions"),
        Column("path", .text, "Path of the mapped file or pseudo region name"),
        Column("pseudo", .integer, "1 if the path is a pseudo region such as [heap] or [stack]"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // Kernel threads have no memory map, so no rows.
        try .perProcess(context, read: ProcFS.memoryMap) { pid, r in
            var row = Row(schema)
            row["pid"] = SQLValue(pid)
            row["start"] = .text(r.start)
            row["end"] = .text(r.end)
            row["permissions"] = .text(r.permissions)
            row["offset"] = .integer(r.offset)
            row["device"] = .text(r.device)
            row["inode"] = .integer(r.inode)
            row["path"] = .text(r.path)
            row["pseudo"] = SQLValue(r.isPseudo)
            return row
        }
    }
}
