import VigilSQL
import VigilSystem

/// `block_devices`: disks from /sys/block and their partitions, with filesystem
/// identity from udev's database when it has one.
public struct BlockDevicesTable: VirtualTable {
    public let schema = TableSchema("block_devices", "Block devices: disks, partitions, loop and RAM disks.", [
        Column("name", .text, "Device node (/dev/sda1)", .index),
        Column("parent", .text, "Disk a partition belongs to"),
        Column("vendor", .text, "Disk vendor"),
        Column("model", .text, "Disk model"),
        Column("serial", .text, "Disk serial number"),
        Column("size", .bigint, "Size in 512-byte sectors"),
        Column("block_size", .integer, "Logical block size in bytes"),
        Column("uuid", .text, "Filesystem or partition UUID"),
        Column("type", .text, "Filesystem type"),
        Column("label", .text, "Filesystem label"),
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
