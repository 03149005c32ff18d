import VigilSQL
import VigilSystem

/// `disk_encryption`: for each block device, whether it is a dm-crypt mapping
/// (LUKS or plain), from device-mapper's uuid in sysfs ("CRYPT-LUKS2-…").
public struct DiskEncryptionTable: VirtualTable {
    public let schema = TableSchema("disk_encryption", "Whether each block device is a dm-crypt (LUKS or plain) mapping, from /sys/block/*/dm/uuid.", [
        Column("name", .text, "Device node (/dev/dm-0); name = X reads only that device", .index),
        Column("uuid", .text, "Filesystem or LUKS UUID (as in block_devices), else empty"),
        Column("encrypted", .integer, "1 if the device is a dm-crypt mapping, else 0"),
        Column("type", .text, "dm-crypt format from device-mapper (luks1, luks2, plain, ...); empty when not encrypted"),
        Column("encryption_status", .text, "encrypted or not encrypted"),
        .otherPlatform("uid", .text, "macOS", "currently authenticated FileVault user"),
        .otherPlatform("user_uuid", .text, "macOS", "that user's UUID"),
        .otherPlatform("filevault_status", .text, "macOS", "FileVault on, off or unknown"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let devices: [BlockDevice]
        do { devices = try BlockDevices.read() } catch { throw TableError("disk_encryption: \(error)") }
        let wanted = context.texts("name").map(Set.init)
        let links = context.isUsed("uuid") ? DiskLinks.read() : DiskLinks()
        return RowSequence(devices) { d in
            let name = "/dev/" + d.name
            if let wanted, !wanted.contains(name) { return nil }
            // dm-crypt's mappings carry "CRYPT-<FORMAT>-..." as their device-mapper uuid.
            let dmUUID = FileSystem.readTextIfPresent("\(BlockDevices.root)/\(d.name)/dm/uuid")?.trimmingCharacters() ?? ""
            let format = dmUUID.hasPrefix("CRYPT-") ? dmUUID.dropFirst(6).prefix(while: { $0 != "-" }).lowercased() : nil
            var row = Row(schema)
            row["name"] = .text(name)
            row["uuid"] = .text(context.isUsed("uuid") ? BlockDevices.probe(d, links: links).uuid : "")
            row["encrypted"] = SQLValue(format != nil)
            row["type"] = .text(format ?? "")
            row["encryption_status"] = .text(format != nil ? "encrypted" : "not encrypted")
            return row
        }
    }
}
