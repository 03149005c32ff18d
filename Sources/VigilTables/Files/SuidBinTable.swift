import VigilSQL
import VigilSystem

/// `suid_bin`: setuid/setgid regular files under the standard binary directories
/// (and /tmp), as osquery searches them; linked aliases such as /bin → /usr/bin
/// are walked once.
public struct SuidBinTable: VirtualTable {
    public let schema = TableSchema("suid_bin", "Setuid and setgid regular files under the bin and sbin directories and /tmp.", [
        Column("path", .text, "Location of the file (links are neither followed nor listed)"),
        Column("username", .text, "Login name of the file's owner, or the numeric uid if it has none"),
        Column("groupname", .text, "Name of the file's group, or the numeric gid if it has none"),
        Column("permissions", .text, "Special bits present: S (setuid), G (setgid) or SG (both)"),
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
