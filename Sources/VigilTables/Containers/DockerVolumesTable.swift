import VigilSQL

/// `docker_volumes`: the daemon's volumes (`GET /volumes`); `name =` is pushed down
/// as Docker's name filter.
public struct DockerVolumesTable: VirtualTable {
    public let schema = TableSchema("docker_volumes", "Docker volumes information.", [
        Column("name", .text, "Volume name", .index),
        Column("driver", .text, "Volume driver"),
        Column("mount_point", .text, "Mount point"),
        Column("type", .text, "Volume type"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let volumes = try api.volumes(context, table: schema.name)
        return RowSequence(volumes) { volume in
            var row = Row(schema)
            row["name"] = .text(volume["Name"]?.string ?? "")
            row["driver"] = .text(volume["Driver"]?.string ?? "")
            row["mount_point"] = .text(volume["Mountpoint"]?.string ?? "")
            row["type"] = .text(volume.at("Options", "type")?.string ?? "")
            return row
        }
    }
}

extension DockerAPI {
    /// The volumes (`GET /volumes`), only those named by `name =` when the query names some.
    func volumes(_ context: QueryContext, table: String) throws -> [JSONValue] {
        let names = context.texts("name")
        let answer = try get("/volumes" + Self.filterQuery("name", names, all: false), table: table)
        // Docker's name filter matches substrings; keep exact names, as the query means.
        return (answer?["Volumes"]?.array ?? []).filter { names == nil || names!.contains($0["Name"]?.string ?? "") }
    }
}
