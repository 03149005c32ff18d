import VigilSQL
import VigilSystem

/// `block_devices`: disks from /sys/block and their partitions, with filesystem
/// identity from udev's database when it has one.
public struct BlockDevicesTable: VirtualTable {
    public let schema = TableSchema("block_devices", "Disks listed in /sys/block, each followed by its partitions.", [
        Column("name", .text, "Device node, e.g. /dev/sda1", .index),
        Column("parent", .text, "Whole disk of a partition (/dev/sda); empty for a disk"),
        Column("vendor", .text, "Vendor string from sysfs (a partition shows its disk's)"),
        Column("model", .text, "Model string from sysfs (a partition shows its disk's)"),
        Column("serial", .text, "Serial number from sysfs, if the driver exposes one"),
        Column("size", .bigint, "Capacity in 512-byte sectors, whatever block_size is"),
        Column("block_size", .integer, "Logical sector size in bytes (a partition uses its disk's)"),
        Column("uuid", .text, "Filesystem UUID from udev, else from /dev/disk/by-uuid"),
        Column("type", .text, "Filesystem type udev detected (ext4, vfat, swap, ...)"),
        Column("label", .text, "Filesystem label from udev, else from /dev/disk/by-label"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var devices: [BlockDevice]
        do { devices = try BlockDevices.read() } catch { throw TableError("block_devices: \(error)") }
        if let names = context.texts("name").map(Set.init) {
            devices = devices.filter { names.contains("/dev/" + $0.name) }
        }
        let needProbe = context.isAnyUsed("uuid", "type", "label")
        let links = needProbe ? DiskLinks.read() : DiskLinks()
        return RowSequence(devices.map { d in
            var row = Row(schema)
            row["name"] = .text("/dev/" + d.name)
            row["parent"] = .text(d.parent.map { "/dev/" + $0 } ?? "")
            row["vendor"] = .text(d.vendor)
            row["model"] = .text(d.model)
            row["serial"] = .text(d.serial)
            row["size"] = .integer(d.sectors)
            row["block_size"] = .integer(d.blockSize)
            if needProbe {
                let p = BlockDevices.probe(d, links: links)
                row["uuid"] = .text(p.uuid)
                row["type"] = .text(p.type)
                row["label"] = .text(p.label)
            }
            return row
        })
    }
}
