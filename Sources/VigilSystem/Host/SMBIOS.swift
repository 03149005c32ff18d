/// The SMBIOS structure table (DMTF DSP0134) as the kernel exports it in
/// /sys/firmware/dmi/tables/DMI (root only): each structure's header, formatted
/// area and string set.
public enum SMBIOS {
    public static let tablePath = "/sys/firmware/dmi/tables/DMI"

    public struct Structure: Sendable, Equatable {
        public let type: UInt8
        public let handle: UInt16
        /// Length of the formatted area, header included (the structure's length byte).
        public let headerSize: Int
        /// The whole structure's bytes: formatted area and strings, up to the double NUL.
        public let bytes: ArraySlice<UInt8>
    }

    /// Structures in order, up to the end-of-table structure (type 127, included) or
    /// the end of the data; a structure running past the end stops the walk.
    public static func structures(_ data: [UInt8]) -> [Structure] {
        var out: [Structure] = []
        var offset = 0
        while offset + 4 <= data.count {
            let type = data[offset], length = Int(data[offset + 1])
            let handle = UInt16(data[offset + 2]) | UInt16(data[offset + 3]) << 8
            guard length >= 4, offset + length <= data.count else { break }
            // The string set ends with two NUL bytes (an empty set is just those two).
            var end = offset + length
            while end + 1 < data.count && !(data[end] == 0 && data[end + 1] == 0) { end += 1 }
            end = min(end + 2, data.count)
            out.append(Structure(type: type, handle: handle, headerSize: length, bytes: data[offset..<end]))
            offset = end
            if type == 127 { break }
        }
        return out
    }

    /// The structure type's name in DSP0134.
    public static func typeName(_ type: UInt8) -> String {
        if type == 126 { return "Inactive" }
        if type == 127 { return "End-of-Table" }
        if type >= 128 { return "OEM-specific" }
        return Int(type) < names.count ? names[Int(type)] : "Unknown"
    }

    static let names = [
        "BIOS Information", "System Information", "Base Board or Module Information", "System Enclosure or Chassis",
        "Processor Information", "Memory Controller Information", "Memory Module Information", "Cache Information",
        "Port Connector Information", "System Slots", "On Board Devices Information", "OEM Strings",
        "System Configuration Options", "BIOS Language Information", "Group Associations", "System Event Log",
        "Physical Memory Array", "Memory Device", "32-bit Memory Error Information", "Memory Array Mapped Address",
        "Memory Device Mapped Address", "Built-in Pointing Device", "Portable Battery", "System Reset",
        "Hardware Security", "System Power Controls", "Voltage Probe", "Cooling Device", "Temperature Probe",
        "Electrical Current Probe", "Out-of-Band Remote Access", "Boot Integrity Services (BIS) Entry Point",
        "System Boot Information", "64-bit Memory Error Information", "Management Device",
        "Management Device Component", "Management Device Threshold Data", "Memory Channel",
        "IPMI Device Information", "System Power Supply", "Additional Information",
        "Onboard Devices Extended Information", "Management Controller Host Interface", "TPM Device",
        "Processor Additional Information", "Firmware Inventory Information", "String Property",
    ]
}
