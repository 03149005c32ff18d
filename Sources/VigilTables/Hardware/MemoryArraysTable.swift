import VigilSQL
import VigilSystem

/// `memory_arrays`: the SMBIOS Physical Memory Array structures (type 16), as
/// `dmidecode -t 16` describes them, with osquery's names for the enumerations and
/// its units (capacity in GiB). Handles are written as dmidecode and `memory_devices`
/// write them ("0x1000"), so `memory_devices.array_handle` joins `handle`.
public struct MemoryArraysTable: VirtualTable {
    public let schema = TableSchema("memory_arrays", "Data associated with collection of memory devices that operate to form a memory address.", [
        Column("handle", .text, "Handle, or instance number, associated with the array"),
        Column("location", .text, "Physical location of the memory array"),
        Column("use", .text, "Function for which the array is used"),
        Column("memory_error_correction", .text, "Primary hardware error correction or detection method supported"),
        Column("max_capacity", .integer, "Maximum capacity of array in gigabytes"),
        Column("memory_error_info_handle", .text, "Handle, or instance number, associated with any error that was detected for the array"),
        Column("number_memory_devices", .integer, "Number of memory devices on array"),
    ])
    let path: String

    public init() { self.init(path: SMBIOS.tablePath) }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(SMBIOSSource.structures(path, type: 16)) { s in
            var row = Row(schema)
            row["handle"] = .text(s.handleText)
            row["location"] = SQLValue(s.byte(0x04).flatMap { Self.locations[$0] })
            row["use"] = SQLValue(s.byte(0x05).flatMap { SMBIOSSource.name($0, Self.uses) })
            row["memory_error_correction"] = SQLValue(s.byte(0x06).flatMap { SMBIOSSource.name($0, Self.errorCorrections) })
            row["max_capacity"] = SQLValue(Self.capacityGiB(s))
            // 0xFFFE: no error information structure; 0xFFFF: none, for no error (osquery's words).
            row["memory_error_info_handle"] = SQLValue(s.word(0x0B).flatMap { $0 == 0xFFFE ? nil : $0 == 0xFFFF ? "No Errors" : SMBIOS.Structure.hex($0) })
            row["number_memory_devices"] = SQLValue(s.word(0x0D))
            return row
        }
    }

    /// Maximum Capacity counts KiB; 0x80000000 means the Extended Maximum Capacity
    /// qword (SMBIOS 2.7) holds it in bytes. Whole GiB, rounded down, as osquery.
    static func capacityGiB(_ s: SMBIOS.Structure) -> Int64? {
        guard let kib = s.dword(0x07) else { return nil }
        if kib >= 0x8000_0000 { return s.qword(0x0F).map { Int64($0 >> 30) } }
        return Int64(kib >> 20)
    }

    /// DSP0134 7.17.1, osquery's words.
    static let locations: [UInt8: String] = [
        0x01: "Other", 0x02: "Unknown", 0x03: "System board or motherboard", 0x04: "ISA add-on card",
        0x05: "EISA add-on card", 0x06: "PCI add-on card", 0x07: "MCA add-on card", 0x08: "PCMCIA add-on card",
        0x09: "Proprietary add-on card", 0x0A: "NuBus", 0xA0: "PC-98/C20 add-on card", 0xA1: "PC-98/C24 add-on card",
        0xA2: "PC-98/E add-on card", 0xA3: "PC-98/Local bus add-on card",
    ]
    /// DSP0134 7.17.2, from 1.
    static let uses = ["Other", "Unknown", "System memory", "Video memory", "Flash memory", "Non-volatile RAM", "Cache memory"]
    /// DSP0134 7.17.3, from 1.
    static let errorCorrections = ["Other", "Unknown", "none", "Parity", "Single-bit ECC", "Multi-bit ECC", "CRC"]
}
