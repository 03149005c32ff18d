import VigilSQL
import VigilSystem

/// `authorized_keys`: one row per key in each user's ~/.ssh/authorized_keys and
/// authorized_keys2. `uid =` reads only that user's home; `pid_with_namespace = P`
/// reads the accounts and homes process P sees (see `PidNamespace`).
public struct AuthorizedKeysTable: VirtualTable {
    public let schema = TableSchema("authorized_keys", "Keys in each user's ~/.ssh/authorized_keys and authorized_keys2.", [
        Column("uid", .bigint, "Account whose home holds the file; uid = X reads only that home", .additional),
        Column("algorithm", .text, "Key type word (ssh-ed25519, ecdsa-sha2-nistp256, ...)"),
        Column("key", .text, "Public key blob, base64 as written in the file"),
        Column("options", .text, "Options written before the key type (from=..., no-pty), or empty"),
        Column("comment", .text, "Text after the key blob, or empty"),
        Column("key_file", .text, "Full path of the file the line was read from"),
        Column("pid_with_namespace", .integer, "Read /etc/passwd and homes under /proc/PID/root, as this pid sees them; 0 means the host", [.additional, .hidden]),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var scans: [AnySequence<(pid: Int64, found: (uid: UInt32, file: String, item: AuthorizedKey))>] = []
        for (pid, root) in PidNamespace.roots(context) {
            do {
                let keys = try UserHomes.items(context, root: root, names: AuthorizedKeys.fileNames,
                                               limit: AuthorizedKeys.sizeLimit, parse: AuthorizedKeys.parse)
                scans.append(AnySequence(keys.lazy.map { (pid: pid, found: $0) }))
            } catch where pid != 0 {
                continue  // that process is gone or its root is unreadable: no rows for it
            }
        }
        return RowSequence(scans.joined()) { pid, found in
            var row = Row(schema)
            row["uid"] = SQLValue(found.uid)
            row["algorithm"] = .text(found.item.algorithm)
            row["key"] = .text(found.item.key)
            row["options"] = .text(found.item.options)
            row["comment"] = .text(found.item.comment)
            row["key_file"] = .text(found.file)
            row["pid_with_namespace"] = .integer(pid)
            return row
        }
    }
}
