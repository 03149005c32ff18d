import Glibc
import VigilSQL

/// `shared_memory`: System V shared memory segments (shmctl SHM_STAT over the
/// kernel's index, as `ipcs -m` lists them).
public struct SharedMemoryTable: VirtualTable {
    public let schema = TableSchema("shared_memory", "System V shared memory segments, as ipcs -m lists them (shmctl SHM_STAT).", [
        Column("shmid", .integer, "Segment ID"),
        Column("owner_uid", .bigint, "Owner's user ID"),
        Column("creator_uid", .bigint, "Creator's user ID"),
        Column("pid", .bigint, "Process that last attached or detached"),
        Column("creator_pid", .bigint, "Process that created the segment"),
        Column("atime", .bigint, "UNIX time of the last attach"),
        Column("dtime", .bigint, "UNIX time of the last detach"),
        Column("ctime", .bigint, "UNIX time of the last change"),
        Column("permissions", .text, "Permission bits in octal (0600)"),
        Column("size", .bigint, "Size in bytes"),
        Column("attached", .integer, "Number of processes attached"),
        Column("status", .text, "'dest' when marked for removal after the last detach, else empty"),
        Column("locked", .integer, "1 if the segment is locked in memory (SHM_LOCK), else 0"),
    ])

    public init() {}

    /// From <linux/shm.h>: SHM_STAT takes an index and returns the segment's ID.
    static let shmStat: Int32 = 13, shmInfo: Int32 = 14
    static let destFlag: UInt32 = 0o1000, lockedFlag: UInt32 = 0o2000

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var info = shmid_ds()
        // SHM_INFO returns the highest index in use; it fills a shm_info, which fits in shmid_ds.
        let highest = shmctl(0, Self.shmInfo, &info)
        guard highest >= 0 else { return RowSequence([]) }
        var rows: [Row] = []
        for index in 0...highest {
            var ds = shmid_ds()
            let id = shmctl(index, Self.shmStat, &ds)
            guard id >= 0 else { continue }  // a free slot, or one we may not read
            let mode = UInt32(ds.shm_perm.mode)
            var row = Row(schema)
            row["shmid"] = SQLValue(id)
            row["owner_uid"] = SQLValue(ds.shm_perm.uid)
            row["creator_uid"] = SQLValue(ds.shm_perm.cuid)
            row["pid"] = SQLValue(ds.shm_lpid)
            row["creator_pid"] = SQLValue(ds.shm_cpid)
            row["atime"] = SQLValue(ds.shm_atime)
            row["dtime"] = SQLValue(ds.shm_dtime)
            row["ctime"] = SQLValue(ds.shm_ctime)
            let octal = String(mode & 0o777, radix: 8)
            row["permissions"] = .text(String(repeating: "0", count: max(0, 4 - octal.count)) + octal)
            row["size"] = SQLValue(ds.shm_segsz)
            row["attached"] = SQLValue(ds.shm_nattch)
            row["status"] = .text(mode & Self.destFlag != 0 ? "dest" : "")
            row["locked"] = SQLValue(mode & Self.lockedFlag != 0)
            rows.append(row)
        }
        return RowSequence(rows)
    }
}
