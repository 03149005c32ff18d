import VigilSQL
import VigilSystem

/// `users`: local accounts from /etc/passwd (all NSS accounts with include_remote = 1).
public struct UsersTable: VirtualTable {
    public let schema = TableSchema("users", "Local user accounts from /etc/passwd.", [
        Column("uid", .bigint, "User ID", .index),
        Column("gid", .bigint, "Primary group ID"),
        Column("uid_signed", .bigint, "User ID as a signed 32-bit value"),
        Column("gid_signed", .bigint, "Primary group ID as a signed 32-bit value"),
        Column("username", .text, "Login name", [.index, .additional]),
        Column("description", .text, "Comment (GECOS) field"),
        Column("directory", .text, "Home directory"),
        Column("shell", .text, "Login shell"),
        Column("uuid", .text, "Account UUID (empty on Linux)", .index),
        Column("pid_with_namespace", .integer, "Read the accounts seen by this process's mount namespace", [.index, .additional, .hidden]),
        Column("include_remote", .integer, "1 to include accounts from NSS sources such as LDAP", [.index, .additional, .hidden]),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let remote = context.integers("include_remote")?.contains(1) ?? false
        let uids = context.integers("uid").map(Set.init)
        let names = context.texts("username").map(Set.init)
        var rows: [Row] = []
        for (pid, root) in PidNamespace.roots(context) {
            let accounts: [PasswdEntry]
            if remote && pid == 0 {
                accounts = Passwd.allAccounts()
            } else {
                do { accounts = try Passwd.read(root: root) } catch {
                    if pid != 0 { continue }  // that process is gone or unreadable: no rows for it
                    throw TableError("users: \(error)")
                }
            }
            for a in accounts {
                if let uids, !uids.contains(Int64(a.uid)) { continue }
                if let names, !names.contains(a.name) { continue }
                var row = Row(schema)
                row["uid"] = SQLValue(a.uid)
                row["gid"] = SQLValue(a.gid)
                row["uid_signed"] = SQLValue(Int32(bitPattern: a.uid))
                row["gid_signed"] = SQLValue(Int32(bitPattern: a.gid))
                row["username"] = .text(a.name)
                row["description"] = .text(a.gecos)
                row["directory"] = .text(a.home)
                row["shell"] = .text(a.shell)
                row["uuid"] = ""
                row["pid_with_namespace"] = .integer(pid)
                row["include_remote"] = .integer(remote ? 1 : 0)
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
