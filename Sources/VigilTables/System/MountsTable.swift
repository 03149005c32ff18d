import VigilSQL
import VigilSystem

/// `mounts`: mounted filesystems from /proc/mounts, with statfs block and inode counts.
public struct MountsTable: VirtualTable {
    public let schema = TableSchema("mounts", "Entries of /proc/mounts, with statvfs block and inode counts.", [
        Column("device", .text, "Mount source: a device path or a name such as proc or tmpfs"),
        Column("device_alias", .text, "Source with symbolic links resolved (realpath), else unchanged"),
        Column("path", .text, "Directory the filesystem is mounted on"),
        Column("type", .text, "Filesystem type (ext4, tmpfs, ...)"),
        Column("blocks_size", .bigint, "Fragment size in bytes (f_frsize), the unit of the block counts"),
        Column("blocks", .bigint, "Filesystem size in blocks (f_blocks); NULL if statvfs fails"),
        Column("blocks_free", .bigint, "Free blocks including root's reserve (f_bfree)"),
        Column("blocks_available", .bigint, "Free blocks usable without privilege (f_bavail)"),
        Column("inodes", .bigint, "Inode capacity (f_files)"),
        Column("inodes_free", .bigint, "Unused inodes (f_ffree)"),
        Column("flags", .text, "Mount options, comma-separated (rw,relatime,...)"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let mounts: [MountEntry]
        do { mounts = try Mounts.read() } catch { throw TableError("mounts: \(error)") }
        // statfs can stall on a dead network mount: only call it when its columns are read.
        let needStats = context.isAnyUsed("blocks_size", "blocks", "blocks_free", "blocks_available", "inodes", "inodes_free")
        let needAlias = context.isUsed("device_alias")
        return RowSequence(mounts) { m in
            var row = Row(schema)
            row["device"] = .text(m.device)
            if needAlias { row["device_alias"] = .text(Mounts.resolve(m.device) ?? m.device) }
            row["path"] = .text(m.path)
            row["type"] = .text(m.type)
            row["flags"] = .text(m.options)
            // A mount point we cannot stat (permission, unmounted meanwhile) keeps NULL counts.
            if needStats, let s = try? Mounts.stats(m.path) {
                row["blocks_size"] = .integer(s.blockSize)
                row["blocks"] = .integer(s.blocks)
                row["blocks_free"] = .integer(s.blocksFree)
                row["blocks_available"] = .integer(s.blocksAvailable)
                row["inodes"] = .integer(s.inodes)
                row["inodes_free"] = .integer(s.inodesFree)
            }
            return row
        }
    }
}
