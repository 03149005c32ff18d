import VigilSQL
import VigilSystem

/// `smbios_tables`: the firmware's SMBIOS (DMI) structures from
/// /sys/firmware/dmi/tables/DMI (root only; absent on machines without SMBIOS,
/// such as many VMs and ARM boards, which then have no rows).
public struct SMBIOSTablesTable: VirtualTable {
    public let schema = TableSchema("smbios_tables", "SMBIOS (DMI) structures from /sys/firmware/dmi/tables/DMI: type, handle, sizes and MD5.", [
        Column("number", .integer, "Position of the structure in the table, from 0"),
        Column("type", .integer, "Structure type (0 BIOS, 1 System, 4 Processor, 17 Memory Device, ...)"),
        Column("description", .text, "Name of the type in the SMBIOS specification"),
        Column("handle", .integer, "Structure handle"),
        Column("header_size", .integer, "Length of the formatted area in bytes, header included"),
        Column("size", .integer, "Whole structure in bytes, strings included"),
        Column("md5", .text, "MD5 of the whole structure"),
    ])
    let path: String

    public init() { self.init(path: SMBIOS.tablePath) }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let data = try? FileSystem.read(path) else { return RowSequence([]) }
        let hash = context.isUsed("md5")
        return RowSequence(Array(SMBIOS.structures(data).enumerated())) { i, s in
            var row = Row(schema)
            row["number"] = SQLValue(i)
            row["type"] = SQLValue(s.type)
            row["description"] = .text(SMBIOS.typeName(s.type))
            row["handle"] = SQLValue(s.handle)
            row["header_size"] = SQLValue(s.headerSize)
            row["size"] = SQLValue(s.bytes.count)
            if hash { row["md5"] = .text(Digest.hex(Digest.bytes(of: s.bytes, .md5))) }
            return row
        }
    }
}
