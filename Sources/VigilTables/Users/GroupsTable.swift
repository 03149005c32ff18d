import VigilSQL
import VigilSystem

/// `groups`: local groups from /etc/group.
public struct GroupsTable: VirtualTable {
    public let schema = TableSchema("groups", "Groups defined in /etc/group.", [
        Column("gid", .bigint, "Numeric group ID", .index),
        Column("gid_signed", .bigint, "gid read as a signed 32-bit integer (4294967295 gives -1)"),
        Column("groupname", .text, "Name in the first field"),
        Column("pid_with_namespace", .integer, "Read /proc/PID/root/etc/group for this pid; 0 means the host", [.additional, .hidden]),
        .otherPlatform("group_sid", .text, "Windows", "unique group ID"),
        .otherPlatform("comment", .text, "Windows", "remarks on the group"),
        .otherPlatform("is_hidden", .integer, "macOS", "IsHidden attribute set in OpenDirectory"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let gids = context.integers("gid").map(Set.init)
        var rows: [Row] = []
        for (pid, root) in PidNamespace.roots(context) {
            let groups: [GroupEntry]
            do { groups = try GroupFile.read(root: root) } catch {
                if pid != 0 { continue }
                throw TableError("groups: \(error)")
            }
            for g in groups {
                if let gids, !gids.contains(Int64(g.gid)) { continue }
                var row = Row(schema)
                row["gid"] = SQLValue(g.gid)
                row["gid_signed"] = SQLValue(Int32(bitPattern: g.gid))
                row["groupname"] = .text(g.name)
                row["pid_with_namespace"] = .integer(pid)
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
