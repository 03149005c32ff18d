import VigilSystem

/// The SMBIOS structures of one type, for the tables built on them (oem_strings,
/// platform_info, memory_devices, the memory array tables). No table (a VM without
/// SMBIOS, or not root): none.
enum SMBIOSSource {
    static func structures(_ path: String, type: UInt8) -> [SMBIOS.Structure] {
        guard let data = try? FileSystem.read(path) else { return [] }
        return SMBIOS.structures(data).filter { $0.type == type }
    }

    /// The name of an enumerated byte whose values count from 1; nil outside the list
    /// (osquery leaves the column out then).
    static func name(_ value: UInt8, _ names: [String]) -> String? {
        Int(value) >= 1 && Int(value) <= names.count ? names[Int(value) - 1] : nil
    }

    /// A 32-bit address or syndrome field as osquery writes it (8 hex digits); nil when
    /// it holds `unknown`, the value DSP0134 gives for "not known".
    static func hex32(_ value: UInt32?, unknown: UInt32) -> String? {
        value.flatMap { $0 == unknown ? nil : SMBIOS.Structure.hex(UInt64($0), digits: 8) }
    }
}
