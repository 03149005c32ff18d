import VigilSQL
import VigilSystem

/// `mounts`: mounted filesystems from /proc/mounts, with statfs block and inode counts.
public struct MountsTable: VirtualTable {
    public let schema = TableSchema("mounts", "Mounted filesystems and their usage.", [
        Column("device", .text, "Mounted device"),
        Column("device_alias", .text, "Mounted device, symbolic links resolved"),
        Column("path", .text, "Mount point"),
        Column("type", .text, "Filesystem type"),
        Column("blocks_size", .bigint, "Block size in bytes"),
        Column("blocks", .bigint, "Total blocks"),
        Column("blocks_free", .bigint, "Free blocks, including those reserved for root"),
        Column("blocks_available", .bigint, "Free blocks available to unprivileged users"),
        Column("inodes", .bigint, "Total inodes"),
        Column("inodes_free", .bigint, "Free inodes"),
        Column("flags", .text, "Mount options"),
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
