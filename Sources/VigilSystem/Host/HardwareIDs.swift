/// Names of PCI and USB vendors, devices and classes from the ID databases that
/// lspci and lsusb read (/usr/share/misc/pci.ids, usb.ids). Only the IDs asked
/// for are kept, so a query pays one pass over the file, not a copy of it.
public struct HardwareIDs: Sendable {
    public static let pciPath = "/usr/share/misc/pci.ids"
    public static let usbPath = "/usr/share/misc/usb.ids"

    /// Key: the hex IDs on the path to a line, lower case, joined by ":" —
    /// "8086", "8086:1237", "8086:1237:1af4 1100" (vendor, device, subsystem);
    /// "C06", "C06:00", "C06:00:01" (class, subclass, programming interface).
    var names: [String: String] = [:]

    /// Read `path`, keeping the names of `wanted` keys and their parents. A missing
    /// file gives no names (the columns are then empty, as lspci -n would show).
    public init(path: String, wanted: Set<String>) {
        guard let bytes = try? FileSystem.read(path) else { return }
        var want = wanted
        for key in wanted {
            var parts = key.split(separator: ":")
            while parts.count > 1 { parts.removeLast(); want.insert(parts.joined(separator: ":")) }
        }
        var stack: [String] = []  // the keys of the enclosing lines, by depth
        var lineStart = 0
        while lineStart < bytes.count {
            var end = lineStart
            while end < bytes.count && bytes[end] != 10 { end += 1 }
            defer { lineStart = end + 1 }
            var i = lineStart
            var depth = 0
            while i < end && bytes[i] == 9 { depth += 1; i += 1 }
            guard i < end, bytes[i] != UInt8(ascii: "#") else { continue }
            // "ID  name": the ID runs to the first double space.
            var split = i
            while split + 1 < end && !(bytes[split] == 32 && bytes[split + 1] == 32) { split += 1 }
            guard split + 1 < end else { continue }
            var id = String(decoding: bytes[i..<split], as: UTF8.self).lowercased()
            if depth == 0 && id.hasPrefix("c ") { id = "C" + id.dropFirst(2) }
            guard depth <= stack.count else { continue }
            stack.removeSubrange(depth...)
            stack.append(id)
            let key = stack.joined(separator: ":")
            if want.contains(key) {
                names[key] = String(decoding: bytes[(split + 2)..<end], as: UTF8.self)
            }
        }
    }

    public func name(_ key: String) -> String? { names[key] }
}
