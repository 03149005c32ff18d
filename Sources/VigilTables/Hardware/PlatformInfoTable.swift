import VigilSQL
import VigilSystem

/// `platform_info`: the firmware's own description of itself, from the SMBIOS BIOS
/// Information structure (type 0), as `dmidecode -t 0` shows it.
public struct PlatformInfoTable: VirtualTable {
    public let schema = TableSchema("platform_info", "Information about EFI/UEFI/ROM and platform/boot. Not available on ARM architectures.", [
        Column("vendor", .text, "Platform code vendor"),
        Column("version", .text, "Platform code version"),
        Column("date", .text, "Self-reported platform code update date"),
        Column("revision", .text, "BIOS major and minor revision (major.minor); empty when the firmware gives none"),
        Column("address", .text, "Relative address of firmware mapping (the runtime segment times 16, in hex)"),
        Column("size", .text, "Size in bytes of firmware (the ROM size)"),
        Column("volume_size", .integer, "(Optional) size of firmware volume; NULL (SMBIOS does not give it)"),
        Column("extra", .text, "Platform-specific additional information"),
        .otherPlatform("firmware_type", .text, "macOS and Windows", "type of firmware (Uefi, Bios, Unknown)"),
    ])
    let path: String

    public init() { self.init(path: SMBIOS.tablePath) }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(SMBIOSSource.structures(path, type: 0)) { s in
            var row = Row(schema)
            row["vendor"] = .text(s.string(at: 0x04))
            row["version"] = .text(s.string(at: 0x05))
            row["date"] = .text(s.string(at: 0x08))
            // 0xFF: the firmware does not give a revision (SMBIOS 2.4+ fields).
            if let major = s.byte(0x14), let minor = s.byte(0x15), major != 0xFF {
                row["revision"] = .text("\(major).\(minor)")
            } else {
                row["revision"] = .text("")
            }
            row["address"] = .text(s.word(0x06).map { "0x" + String(UInt32($0) << 4, radix: 16, uppercase: true) } ?? "")
            row["size"] = .text(Self.romSize(s).map(String.init) ?? "")
            row["extra"] = .text("")
            return row
        }
    }

    /// ROM size in bytes: (n + 1) × 64 KiB, or for n = 0xFF the Extended BIOS ROM
    /// Size word (SMBIOS 3.1): bits 0-13 a count of MiB (unit 0) or GiB (unit 1).
    static func romSize(_ s: SMBIOS.Structure) -> Int64? {
        guard let n = s.byte(0x09) else { return nil }
        if n != 0xFF { return (Int64(n) + 1) << 16 }
        guard let extended = s.word(0x18) else { return 16 << 20 }
        let count = Int64(extended & 0x3FFF)
        return extended >> 14 == 1 ? count << 30 : count << 20
    }
}
