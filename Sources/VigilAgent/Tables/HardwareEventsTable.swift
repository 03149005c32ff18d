import VigilSQL
import VigilSystem

/// `hardware_events`: devices added, removed and changed, from the kernel's uevents
/// (NETLINK_KOBJECT_UEVENT), with osquery's columns.
public struct HardwareEventsTable: VirtualTable {
    public static let schema = TableSchema("hardware_events", "Hardware events (devices added, removed, changed) from the kernel's uevents since the scheduled query last ran (all buffered events for an ad hoc query).", [
        Column("action", .text, "Remove, insert, change properties, etc"),
        Column("path", .text, "Local device path assigned (optional)"),
        Column("type", .text, "Type of hardware and hardware event"),
        Column("driver", .text, "Driver claiming the device"),
        Column("vendor", .text, "Hardware device vendor"),
        Column("vendor_id", .text, "Hex encoded Hardware vendor identifier"),
        Column("model", .text, "Hardware device model"),
        Column("model_id", .text, "Hex encoded Hardware model identifier"),
        Column("serial", .text, "Device serial (optional)"),
        Column("revision", .text, "Device revision (optional)"),
        Column("time", .bigint, "Time of hardware event", .additional),
        Column("eid", .text, "Event ID", .hidden),
    ])
    public var schema: TableSchema { Self.schema }
    let store: EventStore

    public init(store: EventStore) { self.store = store }

    public func generate(_ context: QueryContext) throws -> RowSequence { store.rows(Self.schema) }

    /// osquery's `hardware_disabled_types` default: partitions come with every disk.
    static let disabledTypes: Set<String> = ["partition"]

    /// The row of `event`, or nil for a type left out. Kernel uevents carry no vendor or
    /// model names (udev adds those from its hardware database); a USB device's names
    /// and serial are read from its sysfs attributes while it is there.
    static func row(_ event: UEvent, time: Int64, readAttribute: (String) -> String? = HardwareEventsTable.sysfsAttribute) -> [SQLValue]? {
        let p = event.properties
        let type = p["DEVTYPE"] ?? p["SUBSYSTEM"] ?? ""
        if disabledTypes.contains(type) { return nil }
        var row = Row(schema)
        row["action"] = .text(event.action)
        row["path"] = .text(event.path)
        row["type"] = .text(type)
        row["driver"] = .text(p["DRIVER"] ?? "")
        let ids = event.identifiers
        row["vendor_id"] = .text(ids?.vendor ?? "")
        row["model_id"] = .text(ids?.model ?? "")
        row["revision"] = .text(ids?.revision ?? "")
        let present = event.action != "remove"
        func attribute(_ name: String) -> String { present ? readAttribute("/sys\(event.devicePath)/\(name)") ?? "" : "" }
        row["vendor"] = .text(attribute("manufacturer"))
        row["model"] = .text(attribute("product"))
        row["serial"] = .text(attribute("serial"))
        row["time"] = SQLValue(time)
        return row.values
    }

    static func sysfsAttribute(_ path: String) -> String? {
        FileSystem.readTextIfPresent(path)?.trimmingCharacters()
    }
}
