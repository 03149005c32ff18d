import VigilSQL

/// `docker_volume_labels`: each label of each volume (`GET /volumes`).
public struct DockerVolumeLabelsTable: VirtualTable {
    public let schema = TableSchema("docker_volume_labels", "Docker volume labels.", [
        Column("name", .text, "Volume name", .index),
        Column("key", .text, "Label key", .index),
        Column("value", .text, "Optional label value"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let volumes = try api.volumes(context, table: schema.name)
        return DockerAPI.labelRows(schema, volumes, keyColumn: "name", keyField: "Name", asked: nil, keys: context.texts("key"))
    }
}
