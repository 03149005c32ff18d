import VigilSQL

/// `lxd_instance_devices`: one row per setting of each device of a named instance,
/// its profiles' included (`GET /1.0/containers/NAME`, `expanded_devices`); the
/// device's `type` is a column of each row rather than a row of its own, as osquery.
/// `name` is required.
public struct LXDInstanceDevicesTable: VirtualTable {
    public let schema = TableSchema("lxd_instance_devices", "LXD instance devices information.", [
        Column("name", .text, "Instance name", [.index, .required]),
        Column("device", .text, "Name of the device"),
        Column("device_type", .text, "Device type"),
        Column("key", .text, "Device info param name"),
        Column("value", .text, "Device info param value"),
    ])
    let api: LXDAPI

    public init(api: LXDAPI = LXDAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for instance in try api.instances(context, table: schema.name) {
            for (device, settings) in LXDAPI.members(instance["expanded_devices"]) {
                for (key, value) in LXDAPI.members(settings) where key != "type" {
                    var row = Row(schema)
                    row["name"] = LXDAPI.text(instance["name"])
                    row["device"] = .text(device)
                    row["device_type"] = .text(settings["type"]?.string ?? "")
                    row["key"] = .text(key)
                    row["value"] = .text(value.string ?? value.json)
                    rows.append(row)
                }
            }
        }
        return RowSequence(rows)
    }
}
