import VigilSQL

/// `lxd_cluster_members`: the servers of this LXD server's cluster
/// (`GET /1.0/cluster/members`); none when it is not clustered (`/1.0/cluster`
/// says so; LXD answers the members request of such a server with an error).
public struct LXDClusterMembersTable: VirtualTable {
    public let schema = TableSchema("lxd_cluster_members", "LXD cluster members information.", [
        Column("server_name", .text, "Name of the LXD server node"),
        Column("url", .text, "URL of the node"),
        Column("database", .integer, "Whether the server is a database node (1) or not (0)"),
        Column("status", .text, "Status of the node (Online/Offline)"),
        Column("message", .text, "Message from the node (Online/Offline)"),
    ])
    let api: LXDAPI

    public init(api: LXDAPI = LXDAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard try api.metadata("/1.0/cluster", table: schema.name)?["enabled"]?.bool == true else { return RowSequence([]) }
        return RowSequence(try api.list("/1.0/cluster/members", table: schema.name)) { member in
            var row = Row(schema)
            for column in ["server_name", "url", "status", "message"] { row[column] = LXDAPI.text(member[column]) }
            row["database"] = LXDAPI.flag(member["database"])
            return row
        }
    }
}
