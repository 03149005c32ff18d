import VigilSQL
import VigilSystem

/// `memory_device_mapped_addresses`: the SMBIOS Memory Device Mapped Address structures
/// (type 20): which addresses each memory device serves within its array's range, and
/// its place in the interleave. Addresses as in `memory_array_mapped_addresses`; a
/// position or depth the structure gives as unknown (0xFF) is NULL.
public struct MemoryDeviceMappedAddressesTable: VirtualTable {
    public let schema = TableSchema("memory_device_mapped_addresses", "Data associated for address mapping of physical memory devices.", [
        Column("handle", .text, "Handle, or instance number, associated with the structure"),
        Column("memory_device_handle", .text, "Handle of the memory device structure associated with this structure"),
        Column("memory_array_mapped_address_handle", .text, "Handle of the memory array mapped address to which this device range is mapped to"),
        Column("starting_address", .text, "Physical stating address, in kilobytes, of a range of memory mapped to physical memory array"),
        Column("ending_address", .text, "Physical ending address of last kilobyte of a range of memory mapped to physical memory array"),
        Column("partition_row_position", .integer, "Identifies the position of the referenced memory device in a row of the address partition"),
        Column("interleave_position", .integer, "The position of the device in a interleave, i.e. 0 indicates non-interleave, 1 indicates 1st interleave, 2 indicates 2nd interleave, etc."),
        Column("interleave_data_depth", .integer, "The max number of consecutive rows from memory device that are accessed in a single interleave transfer; 0 indicates device is non-interleave"),
    ])
    let path: String

    public init() { self.init(path: SMBIOS.tablePath) }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(SMBIOSSource.structures(path, type: 20)) { s in
            var row = Row(schema)
            row["handle"] = .text(s.handleText)
            let range = MappedRange(s, start: 0x04, end: 0x08, extendedStart: 0x13, extendedEnd: 0x1B)
            row["starting_address"] = SQLValue(range?.start)
            row["ending_address"] = SQLValue(range?.end)
            row["memory_device_handle"] = SQLValue(s.word(0x0C).map { SMBIOS.Structure.hex($0) })
            row["memory_array_mapped_address_handle"] = SQLValue(s.word(0x0E).map { SMBIOS.Structure.hex($0) })
            for (column, offset) in [("partition_row_position", 0x10), ("interleave_position", 0x11), ("interleave_data_depth", 0x12)] {
                row[column] = SQLValue(s.byte(offset).flatMap { $0 == 0xFF ? nil : $0 })
            }
            return row
        }
    }
}
