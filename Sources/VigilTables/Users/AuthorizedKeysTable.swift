import VigilSQL
import VigilSystem

/// `authorized_keys`: one row per key in each user's ~/.ssh/authorized_keys and
/// authorized_keys2. `uid =` reads only that user's home.
public struct AuthorizedKeysTable: VirtualTable {
    public let schema = TableSchema("authorized_keys", "Public keys allowed to log in as each user over SSH.", [
        Column("uid", .bigint, "User ID of the home directory owner", .index),
        Column("algorithm", .text, "Key type, e.g. ssh-ed25519"),
        Column("key", .text, "Base64-encoded public key"),
        Column("options", .text, "Login options given before the key, if any"),
        Column("comment", .text, "Comment after the key"),
        Column("key_file", .text, "Path of the authorized_keys file"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let keys = try UserHomes.items(context, files: AuthorizedKeys.files(home:), read: AuthorizedKeys.read)
        return RowSequence(keys) { found in
            var row = Row(schema)
            row["uid"] = SQLValue(found.uid)
            row["algorithm"] = .text(found.item.algorithm)
            row["key"] = .text(found.item.key)
            row["options"] = .text(found.item.options)
            row["comment"] = .text(found.item.comment)
            row["key_file"] = .text(found.file)
            return row
        }
    }
}
