import VigilSQL
import VigilSystem

/// `secureboot`: the UEFI SecureBoot and SetupMode variables from efivarfs (each
/// file: a 4-byte attribute word, then the value; one byte here), as
/// `mokutil --sb-state` reports them. A machine booted without EFI has no row.
public struct SecureBootTable: VirtualTable {
    public let schema = TableSchema("secureboot", "Secure Boot UEFI Settings.", [
        Column("secure_boot", .integer, "Whether secure boot is enabled"),
        Column("setup_mode", .integer, "Whether setup mode is enabled"),
        .otherPlatform("secure_mode", .integer, "macOS", "(Intel) secure mode: 0 disabled, 1 full security, 2 medium security"),
        .otherPlatform("description", .text, "macOS", "(Apple Silicon) 'Full Security', 'Reduced Security' or 'Permissive Security'"),
        .otherPlatform("kernel_extensions", .integer, "macOS", "(Apple Silicon) 1 if users may manage kernel extensions from identified developers"),
        .otherPlatform("mdm_operations", .integer, "macOS", "(Apple Silicon) 1 if MDM may manage kernel extensions and software updates"),
    ])

    /// The EFI global variable GUID.
    static let globalGUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
    let root: String

    public init() { self.root = "" }
    /// Reads `root`/sys/firmware/efi instead of the host's (tests).
    public init(root: String) { self.root = root }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard FileSystem.exists(root + "/sys/firmware/efi") else { return RowSequence([]) }
        var row = Row(schema)
        row["secure_boot"] = SQLValue(variable("SecureBoot"))
        row["setup_mode"] = SQLValue(variable("SetupMode"))
        return RowSequence([row])
    }

    /// The variable's one-byte value after the attributes, from efivarfs or the
    /// older sysfs efivars interface; nil when the firmware does not define it.
    func variable(_ name: String) -> Int64? {
        let efivarfs = "\(root)/sys/firmware/efi/efivars/\(name)-\(Self.globalGUID)"
        if let bytes = try? FileSystem.read(efivarfs, limit: 64), bytes.count >= 5 { return Int64(bytes[4]) }
        if let bytes = try? FileSystem.read("\(root)/sys/firmware/efi/vars/\(name)-\(Self.globalGUID)/data", limit: 64), let first = bytes.first {
            return Int64(first)
        }
        return nil
    }
}
