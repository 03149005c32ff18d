import VigilSQL
import VigilSystem

/// `pci_devices`: the PCI functions the kernel found (/sys/bus/pci/devices), with
/// names from the PCI ID database that lspci uses. The database is read only when
/// a name column is asked for.
public struct PCIDevicesTable: VirtualTable {
    public let schema = TableSchema("pci_devices", "PCI devices from /sys/bus/pci/devices, named from pci.ids as lspci names them.", [
        Column("pci_slot", .text, "Domain, bus, device and function (0000:00:1f.2)"),
        Column("pci_class", .text, "Class name (Mass storage controller)"),
        Column("driver", .text, "Kernel driver bound to the device, empty if none"),
        Column("vendor", .text, "Vendor name"),
        Column("vendor_id", .text, "Vendor ID, 4 lower-case hex digits as lspci -n shows it"),
        Column("model", .text, "Device name"),
        Column("model_id", .text, "Device ID, 4 lower-case hex digits"),
        Column("pci_class_id", .text, "Class ID, 2 hex digits"),
        Column("pci_subclass_id", .text, "Subclass ID, 2 hex digits"),
        Column("pci_subclass", .text, "Subclass name (SATA controller)"),
        Column("subsystem_vendor_id", .text, "Subsystem vendor ID, 4 hex digits"),
        Column("subsystem_vendor", .text, "Subsystem vendor name"),
        Column("subsystem_model_id", .text, "Subsystem device ID, 4 hex digits"),
        Column("subsystem_model", .text, "Subsystem device name"),
    ])
    let root: String
    let idsPath: String

    public init() { self.init(root: "/sys/bus/pci/devices", idsPath: HardwareIDs.pciPath) }
    init(root: String, idsPath: String) { self.root = root; self.idsPath = idsPath }

    struct Device {
        var slot = "", driver = "", vendor = "", device = "", subVendor = "", subDevice = "", classID = "", subclassID = ""
    }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let devices = ((try? FileSystem.list(root)) ?? []).sorted().compactMap(read)
        var ids = HardwareIDs(path: idsPath, wanted: [])
        if context.isAnyUsed("pci_class", "vendor", "model", "pci_subclass", "subsystem_vendor", "subsystem_model") {
            var wanted = Set<String>()
            for d in devices {
                wanted.insert("\(d.vendor):\(d.device):\(d.subVendor) \(d.subDevice)")
                wanted.insert(d.subVendor)
                wanted.insert("C\(d.classID):\(d.subclassID)")
            }
            ids = HardwareIDs(path: idsPath, wanted: wanted)
        }
        return RowSequence(devices) { d in
            var row = Row(schema)
            row["pci_slot"] = .text(d.slot)
            row["pci_class"] = .text(ids.name("C\(d.classID)") ?? "")
            row["driver"] = .text(d.driver)
            row["vendor"] = .text(ids.name(d.vendor) ?? "")
            row["vendor_id"] = .text(d.vendor)
            row["model"] = .text(ids.name("\(d.vendor):\(d.device)") ?? "")
            row["model_id"] = .text(d.device)
            row["pci_class_id"] = .text(d.classID)
            row["pci_subclass_id"] = .text(d.subclassID)
            row["pci_subclass"] = .text(ids.name("C\(d.classID):\(d.subclassID)") ?? "")
            row["subsystem_vendor_id"] = .text(d.subVendor)
            row["subsystem_vendor"] = .text(ids.name(d.subVendor) ?? "")
            row["subsystem_model_id"] = .text(d.subDevice)
            row["subsystem_model"] = .text(ids.name("\(d.vendor):\(d.device):\(d.subVendor) \(d.subDevice)") ?? "")
            return row
        }
    }

    /// One device's uevent (DRIVER, PCI_CLASS, PCI_ID, PCI_SUBSYS_ID, PCI_SLOT_NAME).
    func read(_ name: String) -> Device? {
        guard let text = FileSystem.readTextIfPresent(root + "/" + name + "/uevent") else { return nil }
        var d = Device()
        d.slot = name
        for line in FileSystem.lines(text) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let value = line[line.index(after: eq)...].lowercased()
            let pair = value.split(separator: ":").map(String.init)
            switch line[..<eq] {
            case "DRIVER": d.driver = String(line[line.index(after: eq)...])
            case "PCI_SLOT_NAME": d.slot = String(line[line.index(after: eq)...])
            case "PCI_ID" where pair.count == 2: (d.vendor, d.device) = (pair[0], pair[1])
            case "PCI_SUBSYS_ID" where pair.count == 2: (d.subVendor, d.subDevice) = (pair[0], pair[1])
            case "PCI_CLASS" where value.count <= 6:
                // The kernel prints the class with %04X, so 0x060000 arrives as "60000".
                let padded = String(repeating: "0", count: 6 - value.count) + value
                d.classID = String(padded.prefix(2))
                d.subclassID = String(padded.dropFirst(2).prefix(2))
            default: break
            }
        }
        return d
    }
}
