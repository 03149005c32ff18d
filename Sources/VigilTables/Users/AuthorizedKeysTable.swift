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
        let files = try UserHomes.accounts(context).lazy.flatMap { account in
            AuthorizedKeys.files(home: account.home).lazy.map { (uid: account.uid, path: $0) }
        }
        let keys = files.flatMap { file in
            ((try? AuthorizedKeys.read(file.path)) ?? []).lazy.map { (file: file, key: $0) }
        }
        return RowSequence(keys) { item in
            var row = Row(schema)
            row["uid"] = SQLValue(item.file.uid)
            row["algorithm"] = .text(item.key.algorithm)
            row["key"] = .text(item.key.key)
            row["options"] = .text(item.key.options)
            row["comment"] = .text(item.key.comment)
            row["key_file"] = .text(item.file.path)
            return row
        }
    }
}
