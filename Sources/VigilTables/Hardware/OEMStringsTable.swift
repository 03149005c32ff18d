import VigilSQL
import VigilSystem

/// `oem_strings`: the free-form strings of the SMBIOS OEM Strings structures
/// (type 11), one row per string, as `dmidecode -t 11` lists them.
public struct OEMStringsTable: VirtualTable {
    public let schema = TableSchema("oem_strings", "OEM defined strings retrieved from SMBIOS. Not available on ARM architectures.", [
        Column("handle", .text, "Handle, or instance number, associated with the Type 11 structure"),
        Column("number", .integer, "The string index of the structure"),
        Column("value", .text, "The value of the OEM string"),
    ])
    let path: String

    public init() { self.init(path: SMBIOS.tablePath) }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let strings = SMBIOSSource.structures(path, type: 11).flatMap { s in
            // Byte 4 counts the strings; the string set holds them in order.
            s.strings.prefix(Int(s.byte(4) ?? 0)).enumerated().map { (s.handleText, $0.offset + 1, $0.element) }
        }
        return RowSequence(strings) { handle, number, value in
            var row = Row(schema)
            row["handle"] = .text(handle)
            row["number"] = SQLValue(number)
            row["value"] = .text(value)
            return row
        }
    }
}
