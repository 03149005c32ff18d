import VigilSQL
import VigilSystem

/// `md_devices`: one row per software RAID array in /proc/mdstat, with the settings
/// osquery takes from the GET_ARRAY_INFO ioctl read from sysfs instead
/// (/sys/block/mdN/md: level, raid_disks, chunk_size, array_state,
/// metadata_version, dev-*/state), so no device node is opened. sysfs has no
/// superblock update time: `superblock_update_time` is NULL.
public struct MDDevicesTable: VirtualTable {
    public let schema = TableSchema("md_devices", "Software RAID array settings.", [
        Column("device_name", .text, "md device name"),
        Column("status", .text, "Current state of the array"),
        Column("raid_level", .integer, "Current raid level of the array"),
        Column("size", .bigint, "size of the array in blocks"),
        Column("chunk_size", .bigint, "chunk size in bytes"),
        Column("raid_disks", .integer, "Number of configured RAID disks in array"),
        Column("nr_raid_disks", .integer, "Number of partitions or disk devices to comprise the array"),
        Column("working_disks", .integer, "Number of working disks in array"),
        Column("active_disks", .integer, "Number of active disks in array"),
        Column("failed_disks", .integer, "Number of failed disks in array"),
        Column("spare_disks", .integer, "Number of idle disks in array"),
        Column("superblock_state", .text, "State of the superblock"),
        Column("superblock_version", .text, "Version of the superblock"),
        Column("superblock_update_time", .bigint, "Unix timestamp of last update (NULL: sysfs does not show it)"),
        Column("bitmap_on_mem", .text, "Pages allocated in in-memory bitmap, if enabled"),
        Column("bitmap_chunk_size", .text, "Bitmap chunk size"),
        Column("bitmap_external_file", .text, "External referenced bitmap file"),
        Column("recovery_progress", .text, "Progress of the recovery activity"),
        Column("recovery_finish", .text, "Estimated duration of recovery activity"),
        Column("recovery_speed", .text, "Speed of recovery activity"),
        Column("resync_progress", .text, "Progress of the resync activity"),
        Column("resync_finish", .text, "Estimated duration of resync activity"),
        Column("resync_speed", .text, "Speed of resync activity"),
        Column("reshape_progress", .text, "Progress of the reshape activity"),
        Column("reshape_finish", .text, "Estimated duration of reshape activity"),
        Column("reshape_speed", .text, "Speed of reshape activity"),
        Column("check_array_progress", .text, "Progress of the check array activity"),
        Column("check_array_finish", .text, "Estimated duration of the check array activity"),
        Column("check_array_speed", .text, "Speed of the check array activity"),
        Column("unused_devices", .text, "Unused devices"),
        Column("other", .text, "Other information associated with array from /proc/mdstat"),
    ])
    let source: MDSource
    static let sysfsColumns = ["raid_level", "chunk_size", "raid_disks", "nr_raid_disks", "working_disks", "active_disks",
                               "failed_disks", "spare_disks", "superblock_state", "superblock_version"]

    public init() { source = MDSource() }
    init(source: MDSource) { self.source = source }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let stat = try source.stat(table: schema.name)
        let needSysfs = Self.sysfsColumns.contains(where: context.isUsed)
        return RowSequence(stat.arrays.map { device in
            var r = Row(schema)
            r["device_name"] = .text(device.name)
            r["status"] = .text(device.status)
            r["size"] = SQLValue(device.blocks)
            r["other"] = .text(device.other)
            r["unused_devices"] = .text(stat.unusedDevices)
            let activities = [("recovery", device.recovery), ("resync", device.resync), ("reshape", device.reshape), ("check_array", device.check)]
            for (prefix, activity) in activities {
                guard let activity else { continue }
                r[prefix + "_progress"] = .text(activity.progress)
                r[prefix + "_finish"] = .text(activity.finish)
                r[prefix + "_speed"] = .text(activity.speed)
            }
            if let b = device.bitmap {
                r["bitmap_on_mem"] = .text(b.onMemory)
                r["bitmap_chunk_size"] = .text(b.chunkSize)
                r["bitmap_external_file"] = .text(b.externalFile)
            }
            if needSysfs, let md = MDSysfs.read(device.name, sysBlock: source.sysBlock) { fill(&r, md) }
            return r
        })
    }

    /// The ioctl's counts as md.c's get_array_info makes them: every member counts
    /// toward nr_disks; faulty ones are failed, the rest working, and of those the
    /// in_sync ones active and the others (journals aside) spare.
    func fill(_ r: inout Row, _ md: MDSysfs) {
        var failed = 0, working = 0, active = 0, spare = 0
        for m in md.members {
            if m.flags.contains("faulty") { failed += 1; continue }
            working += 1
            if m.flags.contains("in_sync") { active += 1 } else if !m.flags.contains("journal") { spare += 1 }
        }
        r["raid_level"] = SQLValue(MDSysfs.levelNumber(md.level))
        r["chunk_size"] = SQLValue(md.chunkSize)
        r["raid_disks"] = SQLValue(md.raidDisks)
        r["nr_raid_disks"] = .integer(Int64(md.members.count))
        r["working_disks"] = .integer(Int64(working))
        r["active_disks"] = .integer(Int64(active))
        r["failed_disks"] = .integer(Int64(failed))
        r["spare_disks"] = .integer(Int64(spare))
        // The superblock's clean bit is the array's in_sync, which array_state shows as
        // clean (or readonly/read-auto); "unknown" for no bit, as osquery renders it.
        var state: [String] = []
        if ["clean", "readonly", "read-auto"].contains(md.arrayState) { state.append("clean") }
        if md.bitmapLocation != "none" && !md.bitmapLocation.isEmpty { state.append("bitmap_present") }
        r["superblock_state"] = .text(state.isEmpty ? "unknown" : state.joined(separator: " "))
        r["superblock_version"] = .text(md.metadataVersion)
    }
}
