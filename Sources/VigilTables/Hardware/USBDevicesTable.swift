import VigilSQL
import VigilSystem

/// `usb_devices`: the USB devices attached now (/sys/bus/usb/devices, interfaces
/// left out), with the strings the device reports, or names from the USB ID
/// database that lsusb uses when it reports none.
public struct USBDevicesTable: VirtualTable {
    public let schema = TableSchema("usb_devices", "USB devices attached now, from /sys/bus/usb/devices (root hubs included, as lsusb lists them).", [
        Column("usb_address", .integer, "Bus number (busnum)"),
        Column("usb_port", .integer, "Device number on its bus (devnum)"),
        Column("vendor", .text, "Manufacturer string of the device, else the vendor's name in usb.ids"),
        Column("vendor_id", .text, "Vendor ID, 4 lower-case hex digits (idVendor)"),
        Column("version", .text, "Device release number (bcdDevice)"),
        Column("model", .text, "Product string of the device, else the product's name in usb.ids"),
        Column("model_id", .text, "Product ID, 4 lower-case hex digits (idProduct)"),
        Column("serial", .text, "Serial number string, empty if the device has none"),
        Column("class", .text, "Device class, 2 hex digits (bDeviceClass; 00: defined per interface)"),
        Column("subclass", .text, "Device subclass, 2 hex digits"),
        Column("protocol", .text, "Device protocol, 2 hex digits"),
        Column("removable", .integer, "1 if the port says removable, 0 if fixed, -1 if unknown"),
    ])
    let root: String
    let idsPath: String

    public init() { self.init(root: "/sys/bus/usb/devices", idsPath: HardwareIDs.usbPath) }
    init(root: String, idsPath: String) { self.root = root; self.idsPath = idsPath }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // "1-1.2" is a device, "1-1.2:1.0" one of its interfaces.
        let names = ((try? FileSystem.list(root)) ?? []).filter { !$0.contains(":") }.sorted()
        let devices = names.compactMap { name -> [String: String]? in
            let dir = root + "/" + name + "/"
            var attrs: [String: String] = [:]
            for a in ["busnum", "devnum", "idVendor", "idProduct", "bcdDevice", "manufacturer", "product", "serial",
                      "bDeviceClass", "bDeviceSubClass", "bDeviceProtocol", "removable"] {
                attrs[a] = FileSystem.readTextIfPresent(dir + a)?.trimmingCharacters()
            }
            return attrs["idVendor"] == nil ? nil : attrs
        }
        let needNames = context.isAnyUsed("vendor", "model") && devices.contains { $0["manufacturer"] == nil || $0["product"] == nil }
        let ids = HardwareIDs(path: needNames ? idsPath : "", wanted: Set(devices.map { "\($0["idVendor"]!):\($0["idProduct"] ?? "")" }))
        return RowSequence(devices) { a in
            let vendor = a["idVendor"]!, product = a["idProduct"] ?? ""
            var row = Row(schema)
            row["usb_address"] = SQLValue(a["busnum"].flatMap { Int64($0) })
            row["usb_port"] = SQLValue(a["devnum"].flatMap { Int64($0) })
            row["vendor"] = .text(a["manufacturer"] ?? ids.name(vendor) ?? "")
            row["vendor_id"] = .text(vendor)
            row["version"] = .text(a["bcdDevice"] ?? "")
            row["model"] = .text(a["product"] ?? ids.name("\(vendor):\(product)") ?? "")
            row["model_id"] = .text(product)
            row["serial"] = .text(a["serial"] ?? "")
            row["class"] = .text(a["bDeviceClass"] ?? "")
            row["subclass"] = .text(a["bDeviceSubClass"] ?? "")
            row["protocol"] = .text(a["bDeviceProtocol"] ?? "")
            row["removable"] = .integer(a["removable"] == "removable" ? 1 : a["removable"] == "fixed" ? 0 : -1)
            return row
        }
    }
}
