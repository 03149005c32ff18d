import VigilSQL

/// `docker_container_mounts`: each mount of each container (`Mounts` in
/// `GET /containers/json?all=1`): volumes and bind mounts.
public struct DockerContainerMountsTable: VirtualTable {
    public let schema = TableSchema("docker_container_mounts", "Docker container mounts.", [
        Column("id", .text, "Container ID", .index),
        Column("type", .text, "Type of mount (bind, volume)"),
        Column("name", .text, "Optional mount name", .index),
        Column("source", .text, "Source path on host"),
        Column("destination", .text, "Destination path inside container"),
        Column("driver", .text, "Driver providing the mount"),
        Column("mode", .text, "Mount options (rw, ro)"),
        Column("rw", .integer, "1 if read/write. 0 otherwise"),
        Column("propagation", .text, "Mount propagation"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let names = context.texts("name")
        return try api.perContainer(context, schema) { container, id in
            (container["Mounts"]?.array ?? []).filter { names?.contains($0["Name"]?.string ?? "") ?? true }.map { mount in
                var row = Row(schema)
                row["id"] = .text(id)
                for (column, field) in [("type", "Type"), ("name", "Name"), ("source", "Source"),
                                        ("destination", "Destination"), ("driver", "Driver"), ("mode", "Mode"),
                                        ("propagation", "Propagation")] {
                    row[column] = .text(mount[field]?.string ?? "")
                }
                row["rw"] = .integer(mount["RW"]?.bool == true ? 1 : 0)
                return row
            }
        }
    }
}
