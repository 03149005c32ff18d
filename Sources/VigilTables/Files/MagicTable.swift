import VigilSQL
import VigilSystem

/// `magic`: libmagic's verdict on the files a `path =` constraint names, as
/// `file -b`, `file -b --mime-type` and `file -b --mime-encoding` print it.
/// `magic_db_files = 'A:B'` loads those magic files instead of the default.
public struct MagicTable: VirtualTable {
    public let schema = TableSchema("magic", "Magic number recognition library table.", [
        Column("path", .text, "Absolute path to target file", [.required, .index]),
        Column("magic_db_files", .text, "Colon(:) separated list of files where the magic db file can be found. By default one of the following is used: /usr/share/file/magic/magic, /usr/share/misc/magic or /usr/share/misc/magic.mgc", .additional),
        Column("data", .text, "Magic number data from libmagic"),
        Column("mime_type", .text, "MIME type data from libmagic"),
        Column("mime_encoding", .text, "MIME encoding data from libmagic"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let paths = context.texts("path") else { throw TableError.missingRequired(schema) }
        let databases = context.texts("magic_db_files")?.first
        let magic: Magic
        do { magic = try Magic(databases: databases) } catch { throw TableError("magic: \(error)") }
        return RowSequence(paths) { path in
            // A file that does not exist is no row (as `file` would report an error).
            guard FileSystem.exists(path) else { return nil }
            var row = Row(schema)
            row["path"] = .text(path)
            row["magic_db_files"] = SQLValue(databases)
            if context.isUsed("data") { row["data"] = SQLValue(magic.describe(path)) }
            if context.isUsed("mime_type") { row["mime_type"] = SQLValue(magic.describe(path, .mimeType)) }
            if context.isUsed("mime_encoding") { row["mime_encoding"] = SQLValue(magic.describe(path, .mimeEncoding)) }
            return row
        }
    }
}
