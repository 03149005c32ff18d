import VigilSQL

/// `docker_container_labels`: each label of each container (`GET /containers/json?all=1`).
public struct DockerContainerLabelsTable: VirtualTable {
    public let schema = TableSchema("docker_container_labels", "Docker container labels.", [
        Column("id", .text, "Container ID", .index),
        Column("key", .text, "Label key", .index),
        Column("value", .text, "Optional label value"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let (asked, list) = try api.containers(context, table: schema.name)
        return DockerAPI.labelRows(schema, list, keyColumn: "id", keyField: "Id", asked: asked, keys: context.texts("key"))
    }
}
