import VigilSQL
import VigilSystem

/// `memory_error_info`: the SMBIOS 32-bit Memory Error Information structures (type
/// 18), with osquery's names for the enumerations. The syndrome and the three
/// addresses are hex (8 digits); one the structure marks unknown (a zero syndrome,
/// an address of 0x80000000) is NULL.
public struct MemoryErrorInfoTable: VirtualTable {
    public let schema = TableSchema("memory_error_info", "Data associated with errors of a physical memory array.", [
        Column("handle", .text, "Handle, or instance number, associated with the structure"),
        Column("error_type", .text, "type of error associated with current error status for array or device"),
        Column("error_granularity", .text, "Granularity to which the error can be resolved"),
        Column("error_operation", .text, "Memory access operation that caused the error"),
        Column("vendor_syndrome", .text, "Vendor specific ECC syndrome or CRC data associated with the erroneous access"),
        Column("memory_array_error_address", .text, "32 bit physical address of the error based on the addressing of the bus to which the memory array is connected"),
        Column("device_error_address", .text, "32 bit physical address of the error relative to the start of the failing memory address, in bytes"),
        Column("error_resolution", .text, "Range, in bytes, within which this error can be determined, when an error address is given"),
    ])
    let path: String

    public init() { self.init(path: SMBIOS.tablePath) }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(SMBIOSSource.structures(path, type: 18)) { s in
            var row = Row(schema)
            row["handle"] = .text(s.handleText)
            row["error_type"] = SQLValue(s.byte(0x04).flatMap { SMBIOSSource.name($0, Self.types) })
            row["error_granularity"] = SQLValue(s.byte(0x05).flatMap { SMBIOSSource.name($0, Self.granularities) })
            row["error_operation"] = SQLValue(s.byte(0x06).flatMap { SMBIOSSource.name($0, Self.operations) })
            row["vendor_syndrome"] = SQLValue(SMBIOSSource.hex32(s.dword(0x07), unknown: 0))
            row["memory_array_error_address"] = SQLValue(SMBIOSSource.hex32(s.dword(0x0B), unknown: 0x8000_0000))
            row["device_error_address"] = SQLValue(SMBIOSSource.hex32(s.dword(0x0F), unknown: 0x8000_0000))
            row["error_resolution"] = SQLValue(SMBIOSSource.hex32(s.dword(0x13), unknown: 0x8000_0000))
            return row
        }
    }

    /// DSP0134 7.19.1-7.19.3, from 1, osquery's words.
    static let types = ["Other", "Unknown", "OK", "Bad read", "Parity error", "Single-bit error", "Double-bit error",
                        "Multi-bit error", "Nibble error", "Checksum error", "CRC error", "Corrected single-bit error",
                        "Corrected error", "Uncorrectable error"]
    static let granularities = ["Other", "Unknown", "Device level", "Memory partition level"]
    static let operations = ["Other", "Unknown", "Read", "Write", "Partial write"]
}
