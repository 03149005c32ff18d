import VigilSQL
import VigilSystem

/// `kernel_keys`: the kernel's key retention service, one row per line of
/// /proc/keys (the keys this process may view: its own keyrings, and as root
/// every key with a view permission for it).
public struct KernelKeysTable: VirtualTable {
    public let schema = TableSchema("kernel_keys", "List of security data, authentication keys and encryption keys.", [
        Column("serial_number", .text, "The serial key of the key (hexadecimal, as /proc/keys shows it)"),
        Column("flags", .text, "A set of flags describing the state of the key."),
        Column("usage", .bigint, "the number of threads and open file references that refer to this key."),
        Column("timeout", .text, "The amount of time until the key will expire, expressed in human-readable form. The string perm here means that the key is permanent (no timeout).  The string expd means that the key has already expired."),
        Column("permissions", .text, "The key permissions, expressed as four hexadecimal bytes containing, from left to right, the possessor, user, group, and other permissions."),
        Column("uid", .bigint, "The user ID of the key owner."),
        Column("gid", .bigint, "The group ID of the key."),
        Column("type", .text, "The key type."),
        Column("description", .text, "The key description, followed by what its type summarises (\"name: 5\")."),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // No /proc/keys: a kernel without CONFIG_KEYS has no keys to list.
        guard let text = FileSystem.readTextIfPresent("/proc/keys") else { return RowSequence([]) }
        return RowSequence(FileSystem.lines(text)) { line in
            // Eight space-separated fields, then the description (which may hold spaces).
            var fields: [Substring] = []
            var rest = line[...]
            while fields.count < 8 {
                rest = rest.drop { $0 == " " }
                guard let end = rest.firstIndex(of: " ") else { return nil }
                fields.append(rest[..<end])
                rest = rest[end...]
            }
            var row = Row(schema)
            row["serial_number"] = .text(String(fields[0]))
            row["flags"] = .text(String(fields[1]))
            row["usage"] = SQLValue(Int64(fields[2]))
            row["timeout"] = .text(String(fields[3]))
            row["permissions"] = .text(String(fields[4]))
            row["uid"] = SQLValue(Int64(fields[5]))
            row["gid"] = SQLValue(Int64(fields[6]))
            row["type"] = .text(String(fields[7]))
            row["description"] = .text(String(rest.drop { $0 == " " }))
            return row
        }
    }
}
