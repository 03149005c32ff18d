import Glibc
import VigilSQL
import VigilSystem

/// `acpi_tables`: the firmware's ACPI tables as the kernel exports them in
/// /sys/firmware/acpi/tables (readable by root only). The content is hashed only
/// when `md5` is asked for.
public struct ACPITablesTable: VirtualTable {
    public let schema = TableSchema("acpi_tables", "Firmware ACPI tables from /sys/firmware/acpi/tables: name, size and MD5 of the content.", [
        Column("name", .text, "Table signature (DSDT, FACP, APIC, ...)"),
        Column("size", .integer, "Size of the table in bytes"),
        Column("md5", .text, "MD5 of the table's bytes"),
    ])
    let directory: String

    public init() { self.init(directory: "/sys/firmware/acpi/tables") }
    init(directory: String) { self.directory = directory }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let names = ((try? FileSystem.list(directory)) ?? []).sorted()
        let wantHash = context.isUsed("md5")
        return RowSequence(names) { name in
            let path = directory + "/" + name
            guard let info = try? FileSystem.status(path), info.st_mode & S_IFMT == S_IFREG else { return nil }
            var row = Row(schema)
            row["name"] = .text(name)
            // sysfs gives these files their true sizes, so only md5 needs the content.
            row["size"] = SQLValue(info.st_size)
            if wantHash {
                guard let bytes = try? FileSystem.read(path) else { return nil }
                row["md5"] = .text(Digest.hex(Digest.bytes(of: bytes, .md5)))
            }
            return row
        }
    }
}
