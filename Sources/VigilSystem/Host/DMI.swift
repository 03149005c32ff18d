/// SMBIOS strings the kernel exports under /sys/class/dmi/id. Absent on most
/// VMs without firmware tables and on ARM boards; some (serials, product_uuid)
/// are readable by root only.
public enum DMI {
    public static let root = "/sys/class/dmi/id"

    /// The trimmed value of one attribute (sys_vendor, product_name, board_serial...),
    /// or nil when absent, unreadable or empty.
    public static func value(_ name: String) -> String? {
        guard let text = FileSystem.readTextIfPresent("\(root)/\(name)") else { return nil }
        let v = text.trimmingCharacters()
        return v.isEmpty ? nil : v
    }
}

/// The machine identity systemd writes once per install (32 hex digits).
public enum MachineID {
    public static func read(root: String = "") -> String? {
        for path in [root + "/etc/machine-id", root + "/var/lib/dbus/machine-id"] {
            if let v = FileSystem.readTextIfPresent(path)?.trimmingCharacters(), v.utf8.count == 32 { return v }
        }
        return nil
    }

    /// 32 hex digits in UUID form: 8-4-4-4-12.
    public static func asUUID(_ hex: String) -> String {
        let c = Array(hex)
        guard c.count == 32 else { return hex }
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }
}
