import VigilSQL

/// `lxd_instances`: LXD's containers (`GET /1.0/containers`, or `/1.0/containers/NAME`
/// for each `name =`), with what their image's metadata.yaml says (`…/metadata`:
/// description, os, architecture, as osquery reads them) and, for the pid and process
/// count, their state (`…/state`). Each extra request is made only when one of its
/// columns is used.
public struct LXDInstancesTable: VirtualTable {
    public let schema = TableSchema("lxd_instances", "LXD instances information.", [
        Column("name", .text, "Instance name", .index),
        Column("status", .text, "Instance state (running, stopped, etc.)"),
        Column("stateful", .integer, "Whether the instance is stateful(1) or not(0)"),
        Column("ephemeral", .integer, "Whether the instance is ephemeral(1) or not(0)"),
        Column("created_at", .text, "ISO time of creation"),
        Column("base_image", .text, "ID of image used to launch this instance"),
        Column("architecture", .text, "Instance architecture"),
        Column("os", .text, "The OS of this instance"),
        Column("description", .text, "Instance description"),
        Column("pid", .integer, "Instance's process ID"),
        Column("processes", .integer, "Number of processes running inside this instance"),
    ])
    let api: LXDAPI

    public init(api: LXDAPI = LXDAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let instances = try api.instances(context, table: schema.name)
        let readMetadata = context.isAnyUsed("architecture", "os", "description")
        let readState = context.isAnyUsed("pid", "processes")
        return RowSequence(instances) { instance in
            guard let name = instance["name"]?.string else { return nil }
            var row = Row(schema)
            row["name"] = .text(name)
            row["status"] = LXDAPI.text(instance["status"])
            row["stateful"] = LXDAPI.flag(instance["stateful"])
            row["ephemeral"] = LXDAPI.flag(instance["ephemeral"])
            row["created_at"] = LXDAPI.text(instance["created_at"])
            row["base_image"] = LXDAPI.text(instance.at("config", "volatile.base_image"))
            let path = LXDAPI.path("containers", name)
            // An instance deleted since the list, or an error about it: NULLs there.
            if readMetadata, let properties = try api.metadata(path + "/metadata", table: schema.name, ofOne: true)?["properties"] {
                for column in ["architecture", "os", "description"] { row[column] = LXDAPI.text(properties[column]) }
            }
            if readState, let state = try api.metadata(path + "/state", table: schema.name, ofOne: true) {
                row["pid"] = LXDAPI.integer(state["pid"])
                row["processes"] = LXDAPI.integer(state["processes"])
            }
            return row
        }
    }
}
