import VigilSQL
import VigilSystem

/// `users`: local accounts from /etc/passwd (all NSS accounts with include_remote = 1).
public struct UsersTable: VirtualTable {
    public let schema = TableSchema("users", "Accounts in /etc/passwd (every NSS account with include_remote = 1).", [
        Column("uid", .bigint, "Numeric user ID", .index),
        Column("gid", .bigint, "Numeric ID of the primary group"),
        Column("uid_signed", .bigint, "uid read as a signed 32-bit integer (4294967295 gives -1)"),
        Column("gid_signed", .bigint, "gid read as a signed 32-bit integer"),
        Column("username", .text, "Login name", .additional),
        Column("description", .text, "GECOS field, usually the full name"),
        Column("directory", .text, "Home directory path"),
        Column("shell", .text, "Program run at login (last passwd field)"),
        Column("uuid", .text, "Always empty: Linux accounts have no UUID", .index),
        Column("pid_with_namespace", .integer, "Read /proc/PID/root/etc/passwd for this pid; 0 means the host", [.additional, .hidden]),
        Column("include_remote", .integer, "Set to 1 to list NSS accounts too (LDAP, SSSD, ...)", [.additional, .hidden]),
        .otherPlatform("type", .text, "Windows", "whether the account is roaming (domain), local, or a system profile"),
        .otherPlatform("is_hidden", .integer, "macOS", "IsHidden attribute set in OpenDirectory"),
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
