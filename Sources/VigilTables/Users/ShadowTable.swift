import VigilSQL
import VigilSystem

/// `shadow`: /etc/shadow (root only): password state and ageing of each account.
/// `username =` keeps only those accounts.
public struct ShadowTable: VirtualTable {
    public let schema = TableSchema("shadow", "Password state and ageing of each account in /etc/shadow (needs root).", [
        Column("password_status", .text, "active (a hash), locked (starts with ! or *), not_set (!!) or empty"),
        Column("hash_alg", .text, "Hash scheme: the first $-separated field (1 MD5, 5 SHA-256, 6 SHA-512, y yescrypt), or the lock mark"),
        Column("last_change", .bigint, "Days since 1970-01-01 of the last change; -1 if unset"),
        Column("min", .bigint, "Minimum days between changes; -1 if unset"),
        Column("max", .bigint, "Maximum days between changes; -1 if unset"),
        Column("warning", .bigint, "Days of warning before expiry; -1 if unset"),
        Column("inactive", .bigint, "Days after expiry until the account is disabled; -1 if unset"),
        Column("expire", .bigint, "Days since 1970-01-01 when the account expires; -1 if unset"),
        Column("flag", .bigint, "Reserved field; -1 if unset"),
        Column("username", .text, "Account name", .index),
    ])
    let path: String

    public init() { self.init(path: "/etc/shadow") }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw TableError("shadow: cannot read \(path) (it needs root): \(error)") }
        let wanted = context.texts("username").map(Set.init)
        return RowSequence(FileSystem.lines(text)) { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 9, !f[0].isEmpty else { return nil }
            if let wanted, !wanted.contains(f[0]) { return nil }
            let password = f[1]
            var row = Row(schema)
            row["username"] = .text(f[0])
            row["password_status"] = .text(password == "!!" ? "not_set"
                : password.isEmpty ? "empty"
                : ["!", "*", "x"].contains(password.first.map(String.init) ?? "") ? "locked" : "active")
            row["hash_alg"] = .text(password.split(separator: "$").first.map(String.init) ?? "")
            for (i, column) in ["last_change", "min", "max", "warning", "inactive", "expire", "flag"].enumerated() {
                row[column] = .integer(Int64(f[2 + i]) ?? -1)
            }
            return row
        }
    }
}
