import VigilSQL

/// `lxd_instance_config`: each key of a named instance's own configuration
/// (`GET /1.0/containers/NAME`, `config`; not what its profiles add), as osquery.
/// `name` is required: the table reads only the instances a query names.
public struct LXDInstanceConfigTable: VirtualTable {
    public let schema = TableSchema("lxd_instance_config", "LXD instance configuration information.", [
        Column("name", .text, "Instance name", [.index, .required]),
        Column("key", .text, "Configuration parameter name"),
        Column("value", .text, "Configuration parameter value"),
    ])
    let api: LXDAPI

    public init(api: LXDAPI = LXDAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for instance in try api.instances(context, table: schema.name) {
            for (key, value) in LXDAPI.members(instance["config"]) {
                var row = Row(schema)
                row["name"] = LXDAPI.text(instance["name"])
                row["key"] = .text(key)
                row["value"] = .text(value.string ?? value.json)
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
