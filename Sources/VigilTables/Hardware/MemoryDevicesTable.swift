import VigilSQL
import VigilSystem

/// `memory_devices`: each memory slot and module from the SMBIOS Memory Device
/// structures (type 17), as `dmidecode -t 17` describes them. Fields an older
/// SMBIOS version lacks are NULL.
public struct MemoryDevicesTable: VirtualTable {
    public let schema = TableSchema("memory_devices", "Physical memory device (type 17) information retrieved from SMBIOS. Not available on ARM architectures.", [
        Column("handle", .text, "Handle, or instance number, associated with the structure in SMBIOS"),
        Column("array_handle", .text, "The memory array that the device is attached to"),
        Column("form_factor", .text, "Implementation form factor for this memory device"),
        Column("total_width", .integer, "Total width, in bits, of this memory device, including any check or error-correction bits"),
        Column("data_width", .integer, "Data width, in bits, of this memory device"),
        Column("size", .integer, "Size of memory device in Megabyte"),
        Column("set", .integer, "Identifies if memory device is one of a set of devices.  A value of 0 indicates no set affiliation."),
        Column("device_locator", .text, "String number of the string that identifies the physically-labeled socket or board position where the memory device is located"),
        Column("bank_locator", .text, "String number of the string that identifies the physically-labeled bank where the memory device is located"),
        Column("memory_type", .text, "Type of memory used"),
        Column("memory_type_details", .text, "Additional details for memory device (dmidecode's words, space-separated)"),
        Column("max_speed", .integer, "Max speed of memory device in megatransfers per second (MT/s)"),
        Column("configured_clock_speed", .integer, "Configured speed of memory device in megatransfers per second (MT/s)"),
        Column("manufacturer", .text, "Manufacturer ID string"),
        Column("serial_number", .text, "Serial number of memory device"),
        Column("asset_tag", .text, "Manufacturer specific asset tag of memory device"),
        Column("part_number", .text, "Manufacturer specific serial number of memory device"),
        Column("min_voltage", .integer, "Minimum operating voltage of device in millivolts"),
        Column("max_voltage", .integer, "Maximum operating voltage of device in millivolts"),
        Column("configured_voltage", .integer, "Configured operating voltage of device in millivolts"),
    ])
    let path: String

    public init() { self.init(path: SMBIOS.tablePath) }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(SMBIOSSource.structures(path, type: 17)) { s in
            var row = Row(schema)
            row["handle"] = .text(s.handleText)
            row["array_handle"] = .text(s.word(0x04).map { SMBIOS.Structure.hex($0) } ?? "")
            row["form_factor"] = .text(s.byte(0x0E).map { Self.name($0, Self.formFactors) } ?? "")
            // 0xFFFF: unknown width.
            row["total_width"] = SQLValue(s.word(0x08).flatMap { $0 == 0xFFFF ? nil : $0 })
            row["data_width"] = SQLValue(s.word(0x0A).flatMap { $0 == 0xFFFF ? nil : $0 })
            row["size"] = SQLValue(Self.sizeMB(s))
            row["set"] = SQLValue(s.byte(0x0F).map { $0 == 0xFF ? 0 : Int64($0) })
            row["device_locator"] = .text(s.string(at: 0x10))
            row["bank_locator"] = .text(s.string(at: 0x11))
            row["memory_type"] = .text(s.byte(0x12).map { Self.name($0, Self.memoryTypes) } ?? "")
            row["memory_type_details"] = .text(s.word(0x13).map(Self.typeDetails) ?? "")
            row["max_speed"] = SQLValue(s.word(0x15))
            row["manufacturer"] = .text(s.string(at: 0x17))
            row["serial_number"] = .text(s.string(at: 0x18))
            row["asset_tag"] = .text(s.string(at: 0x19))
            row["part_number"] = .text(s.string(at: 0x1A))
            row["configured_clock_speed"] = SQLValue(s.word(0x20))
            row["min_voltage"] = SQLValue(s.word(0x22))
            row["max_voltage"] = SQLValue(s.word(0x24))
            row["configured_voltage"] = SQLValue(s.word(0x26))
            return row
        }
    }

    /// Size in MiB: 0 for an empty slot; bit 15 set means the rest counts KiB;
    /// 0x7FFF means the Extended Size dword (MiB) holds it; 0xFFFF unknown (NULL).
    static func sizeMB(_ s: SMBIOS.Structure) -> Int64? {
        guard let size = s.word(0x0C), size != 0xFFFF else { return nil }
        if size == 0x7FFF { return s.dword(0x1C).map { Int64($0 & 0x7FFF_FFFF) } }
        return size & 0x8000 != 0 ? Int64(size & 0x7FFF) / 1024 : Int64(size)
    }

    static func name(_ value: UInt8, _ names: [String]) -> String {
        Int(value) >= 1 && Int(value) <= names.count ? names[Int(value) - 1] : "Unknown"
    }

    /// DSP0134 7.18.1, from 1 (as dmidecode names them).
    static let formFactors = ["Other", "Unknown", "SIMM", "SIP", "Chip", "DIP", "ZIP", "Proprietary Card", "DIMM", "TSOP",
                              "Row Of Chips", "RIMM", "SODIMM", "SRIMM", "FB-DIMM", "Die"]
    /// DSP0134 7.18.2, from 1.
    static let memoryTypes = ["Other", "Unknown", "DRAM", "EDRAM", "VRAM", "SRAM", "RAM", "ROM", "Flash", "EEPROM", "FEPROM",
                              "EPROM", "CDRAM", "3DRAM", "SDRAM", "SGRAM", "RDRAM", "DDR", "DDR2", "DDR2 FB-DIMM", "Reserved",
                              "Reserved", "Reserved", "DDR3", "FBD2", "DDR4", "LPDDR", "LPDDR2", "LPDDR3", "LPDDR4",
                              "Logical non-volatile device", "HBM", "HBM2", "DDR5", "LPDDR5", "HBM3"]
    /// DSP0134 7.18.3: bit 1 upwards.
    static let typeDetailBits = ["Other", "Unknown", "Fast-paged", "Static Column", "Pseudo-static", "RAMBus", "Synchronous",
                                 "CMOS", "EDO", "Window DRAM", "Cache DRAM", "Non-Volatile", "Registered (Buffered)",
                                 "Unbuffered (Unregistered)", "LRDIMM"]

    static func typeDetails(_ bits: UInt16) -> String {
        let set = typeDetailBits.enumerated().filter { bits & (1 << ($0.offset + 1)) != 0 }.map(\.element)
        return set.isEmpty ? "None" : set.joined(separator: " ")
    }
}
