import VigilSQL
import VigilSystem

/// `user_groups`: (uid, gid) memberships: each account's primary group from
/// /etc/passwd plus its supplementary groups from the member lists in /etc/group.
public struct UserGroupsTable: VirtualTable {
    public let schema = TableSchema("user_groups", "uid-gid pairs: primary group from /etc/passwd, others from /etc/group.", [
        Column("uid", .bigint, "Account's numeric user ID", .index),
        Column("gid", .bigint, "Numeric ID of a group the account is in", .index),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let accounts: [PasswdEntry]
        let groups: [GroupEntry]
        do {
            accounts = try Passwd.read()
            groups = try GroupFile.read()
        } catch {
            throw TableError("user_groups: \(error)")
        }
        let uids = context.integers("uid").map(Set.init)
        let gids = context.integers("gid").map(Set.init)
        // user name → supplementary gids, built once for all accounts.
        var supplementary: [String: [UInt32]] = [:]
        for g in groups {
            for m in g.members { supplementary[m, default: []].append(g.gid) }
        }
        var rows: [Row] = []
        for a in accounts {
            if let uids, !uids.contains(Int64(a.uid)) { continue }
            var seen = Set<UInt32>()
            for gid in [a.gid] + (supplementary[a.name] ?? []) where seen.insert(gid).inserted {
                if let gids, !gids.contains(Int64(gid)) { continue }
                var row = Row(schema)
                row["uid"] = SQLValue(a.uid)
                row["gid"] = SQLValue(gid)
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
