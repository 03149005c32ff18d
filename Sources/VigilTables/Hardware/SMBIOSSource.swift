import VigilSystem

/// The SMBIOS structures of one type, for the tables built on them (oem_strings,
/// platform_info, memory_devices). No table (a VM without SMBIOS, or not root): none.
enum SMBIOSSource {
    static func structures(_ path: String, type: UInt8) -> [SMBIOS.Structure] {
        guard let data = try? FileSystem.read(path) else { return [] }
        return SMBIOS.structures(data).filter { $0.type == type }
    }
}
