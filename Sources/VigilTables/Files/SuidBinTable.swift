import VigilSQL
import VigilSystem

/// `suid_bin`: setuid/setgid regular files under the standard binary directories
/// (and /tmp), as osquery searches them; linked aliases such as /bin → /usr/bin
/// are walked once.
public struct SuidBinTable: VirtualTable {
    public let schema = TableSchema("suid_bin", "Set-user-ID and set-group-ID binaries in the standard binary directories.", [
        Column("path", .text, "Path of the binary"),
        Column("username", .text, "Owner's user name (the numeric uid when it has no name)"),
        Column("groupname", .text, "Owner's group name (the numeric gid when it has no name)"),
        Column("permissions", .text, "S for setuid, G for setgid, SG for both"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let names = context.isAnyUsed("username", "groupname")
        return RowSequence(SetIDBinaries.scan()) { binary in
            var row = Row(schema)
            row["path"] = .text(binary.path)
            if names {
                row["username"] = .text(Passwd.userName(binary.uid) ?? String(binary.uid))
                row["groupname"] = .text(Passwd.groupName(binary.gid) ?? String(binary.gid))
            }
            row["permissions"] = .text((binary.setUID ? "S" : "") + (binary.setGID ? "G" : ""))
            return row
        }
    }
}
