import VigilSQL
import VigilSystem

/// `extended_attributes`: a row per extended attribute (user.*, security.*,
/// trusted.* as root) of the files a `path =`/`LIKE` or `directory =` constraint
/// names, read with llistxattr/lgetxattr (a link's own attributes). Values that
/// are not printable ASCII text are given in base64, as osquery does.
public struct ExtendedAttributesTable: VirtualTable {
    public let schema = TableSchema("extended_attributes", "Returns the extended attributes for files (similar to Windows ADS).", [
        Column("path", .text, "Absolute file path", .required),
        Column("directory", .text, "Directory of file(s)", .required),
        Column("key", .text, "Name of the value generated from the extended attribute"),
        Column("value", .text, "The parsed information from the attribute"),
        Column("base64", .integer, "1 if the value is base64 encoded else 0"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let attributes = try PathConstraints(context: context).targets().lazy.flatMap { target in
            // A missing file, or one on a file system without xattrs: no rows.
            ((try? ExtendedAttributes.read(target.hostPath)) ?? []).lazy.map { (target, $0) }
        }
        return RowSequence(attributes) { target, attribute in
            var row = Row(schema)
            row["path"] = .text(target.path)
            row["directory"] = .text(target.directory)
            row["key"] = .text(attribute.name)
            // Printable text as is (a trailing NUL, as C strings are often stored, dropped).
            var value = attribute.value[...]
            if value.last == 0 { value = value.dropLast() }
            if value.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
                row["value"] = .text(String(decoding: value, as: UTF8.self))
                row["base64"] = .integer(0)
            } else {
                row["value"] = .text(Base64.encode(attribute.value))
                row["base64"] = .integer(1)
            }
            return row
        }
    }
}
