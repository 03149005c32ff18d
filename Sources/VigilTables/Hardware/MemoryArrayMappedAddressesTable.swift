import VigilSQL
import VigilSystem

/// `memory_array_mapped_addresses`: the SMBIOS Memory Array Mapped Address structures
/// (type 19): which range of physical addresses each memory array serves. As osquery:
/// the addresses are the structure's KiB values in hex (8 digits), or, when the 32-bit
/// field says 0xFFFFFFFF (SMBIOS 2.7's extended form), the extended byte addresses (12
/// digits). Hex digits are uppercase, as dmidecode and `memory_devices` write them.
public struct MemoryArrayMappedAddressesTable: VirtualTable {
    public let schema = TableSchema("memory_array_mapped_addresses", "Data associated for address mapping of physical memory arrays.", [
        Column("handle", .text, "Handle, or instance number, associated with the structure"),
        Column("memory_array_handle", .text, "Handle of the memory array associated with this structure"),
        Column("starting_address", .text, "Physical stating address, in kilobytes, of a range of memory mapped to physical memory array"),
        Column("ending_address", .text, "Physical ending address of last kilobyte of a range of memory mapped to physical memory array"),
        Column("partition_width", .integer, "Number of memory devices that form a single row of memory for the address partition of this structure"),
    ])
    let path: String

    public init() { self.init(path: SMBIOS.tablePath) }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(SMBIOSSource.structures(path, type: 19)) { s in
            var row = Row(schema)
            row["handle"] = .text(s.handleText)
            let range = MappedRange(s, start: 0x04, end: 0x08, extendedStart: 0x0F, extendedEnd: 0x17)
            row["starting_address"] = SQLValue(range?.start)
            row["ending_address"] = SQLValue(range?.end)
            row["memory_array_handle"] = SQLValue(s.word(0x0C).map { SMBIOS.Structure.hex($0) })
            row["partition_width"] = SQLValue(s.byte(0x0E))
            return row
        }
    }
}

/// The address range of a type 19 or 20 structure, in osquery's form: the 32-bit KiB
/// fields in 8 hex digits, or the extended 64-bit byte fields in 12 when the starting
/// field is 0xFFFFFFFF.
struct MappedRange {
    let start: String
    let end: String

    init?(_ s: SMBIOS.Structure, start: Int, end: Int, extendedStart: Int, extendedEnd: Int) {
        guard let first = s.dword(start), let last = s.dword(end) else { return nil }
        if first != 0xFFFF_FFFF {
            self.start = SMBIOS.Structure.hex(UInt64(first), digits: 8)
            self.end = SMBIOS.Structure.hex(UInt64(last), digits: 8)
        } else {
            guard let first = s.qword(extendedStart), let last = s.qword(extendedEnd) else { return nil }
            self.start = SMBIOS.Structure.hex(first, digits: 12)
            self.end = SMBIOS.Structure.hex(last, digits: 12)
        }
    }
}
