import VigilSQL
import VigilSystem

/// `process_memory_map`: the mapped regions of each process (/proc/PID/maps).
public struct ProcessMemoryMapTable: VirtualTable {
    public let schema = TableSchema("process_memory_map", "Regions mapped into each process's address space (/proc/PID/maps).", [
        Column("pid", .integer, "Process ID (a thread ID when asked for one)", .index),
        Column("start", .text, "Lowest address of the region, 0x-prefixed hex"),
        Column("end", .text, "First address past the region, 0x-prefixed hex"),
        Column("permissions", .text, "Four letters: r, w, x, then p (private, copy-on-write) or s (shared)"),
        Column("offset", .bigint, "Byte offset in the file where the mapping begins"),
        Column("device", .text, "Hex major:minor of the file's device (00:00 if none)"),
        Column("inode", .integer, "File inode; 0 for anonymous and pseudo regions"),
        Column("path", .text, "Mapped file, a pseudo name such as [heap], or empty if anonymous"),
        Column("pseudo", .integer, "1 for a named region not backed by a file ([stack], [vdso], ...), else 0"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // Kernel threads have no memory map, so no rows.
        try .perProcess(context, read: ProcFS.memoryMap) { pid, r in
            var row = Row(schema)
            row["pid"] = SQLValue(pid)
            // As the file writes them (addresses at least 8 hex digits), path with " (deleted)".
            row["start"] = .text("0x" + MemoryMap.hex(r.start, width: 8))
            row["end"] = .text("0x" + MemoryMap.hex(r.end, width: 8))
            row["permissions"] = .text(r.permissions)
            row["offset"] = .integer(Int64(bitPattern: r.offset))
            row["device"] = .text(r.deviceText)
            row["inode"] = .integer(Int64(bitPattern: r.inode))
            row["path"] = .text(r.pathText)
            row["pseudo"] = SQLValue(r.isPseudo)
            return row
        }
    }
}
