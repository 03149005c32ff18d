/// A kernel uevent as NETLINK_KOBJECT_UEVENT delivers it: "ACTION@DEVPATH\0" then
/// KEY=VALUE strings, each NUL-terminated (the same environment udevd receives).
public struct UEvent: Sendable, Equatable {
    public var action: String
    /// The device's path under /sys (DEVPATH, without the /sys prefix).
    public var devicePath: String
    public var properties: [String: String]

    public init(action: String, devicePath: String, properties: [String: String]) {
        self.action = action
        self.devicePath = devicePath
        self.properties = properties
    }

    /// Parse one kernel datagram; nil for what is not a kernel uevent (udevd's
    /// "libudev" messages on group 2, or garbage).
    public init?(_ data: UnsafeRawBufferPointer) {
        let fields = data.split(separator: 0, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
        guard let head = fields.first, let at = head.firstIndex(of: "@"), !head.hasPrefix("libudev") else { return nil }
        var properties: [String: String] = [:]
        for field in fields.dropFirst() {
            guard let eq = field.firstIndex(of: "=") else { continue }
            properties[String(field[..<eq])] = String(field[field.index(after: eq)...])
        }
        self.init(action: properties["ACTION"] ?? String(head[..<at]),
                  devicePath: properties["DEVPATH"] ?? String(head[head.index(after: at)...]),
                  properties: properties)
    }

    /// The device node (/dev/NAME) when the device has one, else its directory in /sys.
    public var path: String {
        if let name = properties["DEVNAME"], !name.isEmpty { return name.hasPrefix("/") ? name : "/dev/" + name }
        return "/sys" + devicePath
    }

    /// Vendor, model and revision as the kernel names them: USB's PRODUCT
    /// ("vendor/product/bcdDevice", hex without padding) or PCI's PCI_ID ("VVVV:DDDD").
    public var identifiers: (vendor: String, model: String, revision: String)? {
        if let product = properties["PRODUCT"] {
            let parts = product.split(separator: "/").map(String.init)
            guard parts.count >= 2 else { return nil }
            func hex4(_ s: String) -> String { String(repeating: "0", count: max(0, 4 - s.count)) + s.lowercased() }
            return (hex4(parts[0]), hex4(parts[1]), parts.count > 2 ? hex4(parts[2]) : "")
        }
        if let pci = properties["PCI_ID"] {
            let parts = pci.split(separator: ":").map { $0.lowercased() }
            guard parts.count == 2 else { return nil }
            return (parts[0], parts[1], "")
        }
        return nil
    }
}
