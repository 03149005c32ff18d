import VigilSQL
import VigilSystem

/// `suid_bin`: setuid/setgid regular files under the standard binary directories
/// (and /tmp), as osquery searches them; linked aliases such as /bin → /usr/bin
/// are walked once. `pid_with_namespace = P` searches the files process P sees
/// and names owners from its /etc/passwd and /etc/group (see `PidNamespace`).
public struct SuidBinTable: VirtualTable {
    public let schema = TableSchema("suid_bin", "Setuid and setgid regular files under the bin and sbin directories and /tmp.", [
        Column("path", .text, "Location of the file (links are neither followed nor listed)"),
        Column("username", .text, "Login name of the file's owner, or the numeric uid if it has none"),
        Column("groupname", .text, "Name of the file's group, or the numeric gid if it has none"),
        Column("permissions", .text, "Special bits present: S (setuid), G (setgid) or SG (both)"),
        Column("pid_with_namespace", .integer, "Search under /proc/PID/root, as this pid sees the files; 0 means the host", [.additional, .hidden]),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let names = context.isAnyUsed("username", "groupname")
        let found = PidNamespace.roots(context).lazy.flatMap { pid, root in
            let owners = names ? Owners(root: root) : nil
            return SetIDBinaries.scan(root: root).lazy.map { (pid: pid, owners: owners, binary: $0) }
        }
        return RowSequence(found) { pid, owners, binary in
            var row = Row(schema)
            row["path"] = .text(binary.path)
            if let owners {
                row["username"] = .text(owners.user(binary.uid) ?? String(binary.uid))
                row["groupname"] = .text(owners.group(binary.gid) ?? String(binary.gid))
            }
            row["permissions"] = .text((binary.setUID ? "S" : "") + (binary.setGID ? "G" : ""))
            row["pid_with_namespace"] = .integer(pid)
            return row
        }
    }

    /// Names of uids and gids: NSS for the host; for another root, the passwd and
    /// group files that process sees, which is what NSS would read inside it.
    struct Owners {
        let users: [UInt32: String]?
        let groups: [UInt32: String]?

        init(root: String) {
            if root.isEmpty {
                users = nil
                groups = nil
            } else {
                var users: [UInt32: String] = [:]
                for a in (try? Passwd.read(root: root)) ?? [] where users[a.uid] == nil { users[a.uid] = a.name }
                var groups: [UInt32: String] = [:]
                for g in (try? GroupFile.read(root: root)) ?? [] where groups[g.gid] == nil { groups[g.gid] = g.name }
                self.users = users
                self.groups = groups
            }
        }

        func user(_ uid: UInt32) -> String? { users.map { $0[uid] } ?? Passwd.userName(uid) }
        func group(_ gid: UInt32) -> String? { groups.map { $0[gid] } ?? Passwd.groupName(gid) }
    }
}
