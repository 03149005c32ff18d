import VigilSQL
import VigilSystem

/// `md_drives`: the component devices of each array in /proc/mdstat, from sysfs
/// (/sys/block/mdN/md/dev-*/slot and state) where osquery asks GET_DISK_INFO.
/// A slot no device holds gets a row of its own (drive "unknown", state
/// "removed"), and a device without a slot (a spare) takes the first such slot,
/// as in osquery.
public struct MDDrivesTable: VirtualTable {
    public let schema = TableSchema("md_drives", "Drive devices used for Software RAID", [
        Column("md_device_name", .text, "md device name"),
        Column("drive_name", .text, "Drive device name"),
        Column("slot", .integer, "Slot position of disk"),
        Column("state", .text, "State of the drive"),
    ])
    let source: MDSource

    public init() { source = MDSource() }
    init(source: MDSource) { self.source = source }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for device in try source.stat(table: schema.name).arrays {
            guard let md = MDSysfs.read(device.name, sysBlock: source.sysBlock) else { continue }
            let held = Set(md.members.compactMap(\.slot))
            var missing = (0..<(md.raidDisks ?? 0)).filter { !held.contains($0) }
            for m in md.members {
                var r = row(device.name, drive: "/dev/" + m.name, state: Self.state(m.flags))
                r["slot"] = SQLValue(m.slot ?? (missing.isEmpty ? nil : missing.removeFirst()))
                rows.append(r)
            }
            for slot in missing {
                var r = row(device.name, drive: "unknown", state: "removed")
                r["slot"] = .integer(Int64(slot))
                rows.append(r)
            }
        }
        return RowSequence(rows)
    }

    func row(_ array: String, drive: String, state: String) -> Row {
        var r = Row(schema)
        r["md_device_name"] = .text(array)
        r["drive_name"] = .text(drive)
        r["state"] = .text(state)
        return r
    }

    /// The disk state bits GET_DISK_INFO sets for these sysfs flags (faulty; in_sync
    /// is active and sync; write_mostly, failfast, journal), named in bit order as
    /// osquery names them; no bit at all reads "recovering", osquery's guess for 0.
    static func state(_ flags: [String]) -> String {
        var names: [String] = []
        if flags.contains("faulty") { names.append("faulty") }
        if flags.contains("in_sync") { names += ["active", "sync"] }
        if flags.contains("write_mostly") { names.append("writemostly") }
        if flags.contains("failfast") { names.append("failfast") }
        if flags.contains("journal") { names.append("journal") }
        return names.isEmpty ? "recovering" : names.joined(separator: " ")
    }
}
