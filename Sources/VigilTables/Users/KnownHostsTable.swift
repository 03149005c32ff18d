import VigilSQL
import VigilSystem

/// `known_hosts`: the host keys in each user's ~/.ssh/known_hosts (read as that
/// user), one row per key line.
public struct KnownHostsTable: VirtualTable {
    public let schema = TableSchema("known_hosts", "Host key lines of each user's ~/.ssh/known_hosts.", [
        Column("uid", .bigint, "Account whose home holds the file; uid = X reads only that home", .index),
        Column("key", .text, "The key line as written (hosts, key type, key)"),
        Column("key_file", .text, "Path of the known_hosts file"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let found = try UserHomes.items(context, names: [".ssh/known_hosts"], limit: 16 << 20) { text in
            FileSystem.lines(text).map { $0.trimmingCharacters() }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        return RowSequence(found) { found in
            var row = Row(schema)
            row["uid"] = SQLValue(found.uid)
            row["key"] = .text(found.item)
            row["key_file"] = .text(found.file)
            return row
        }
    }
}
