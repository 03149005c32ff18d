import VigilSQL

/// `lxd_cluster`: this LXD server's clustering (`GET /1.0/cluster`): its name in the
/// cluster, whether clustering is on, and the member-specific settings a server
/// joining it must give (`member_config`: a storage pool's source, …). One row per
/// such setting, or one row without them when there are none. (osquery gives one row,
/// holding only the last setting.)
public struct LXDClusterTable: VirtualTable {
    public let schema = TableSchema("lxd_cluster", "LXD cluster information.", [
        Column("server_name", .text, "Name of the LXD server node"),
        Column("enabled", .integer, "Whether clustering enabled (1) or not (0) on this node"),
        Column("member_config_entity", .text, "Type of configuration parameter for this node"),
        Column("member_config_name", .text, "Name of configuration parameter"),
        Column("member_config_key", .text, "Config key"),
        Column("member_config_value", .text, "Config value"),
        Column("member_config_description", .text, "Config description"),
    ])
    let api: LXDAPI

    public init(api: LXDAPI = LXDAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let cluster = try api.metadata("/1.0/cluster", table: schema.name) else { return RowSequence([]) }
        var base = Row(schema)
        base["server_name"] = LXDAPI.text(cluster["server_name"])
        base["enabled"] = LXDAPI.flag(cluster["enabled"])
        let settings = cluster["member_config"]?.array ?? []
        if settings.isEmpty { return RowSequence([base]) }
        return RowSequence(settings) { setting in
            var row = base
            for field in ["entity", "name", "key", "description"] { row["member_config_" + field] = LXDAPI.text(setting[field]) }
            row["member_config_value"] = .text(setting["value"]?.string ?? "")
            return row
        }
    }
}
