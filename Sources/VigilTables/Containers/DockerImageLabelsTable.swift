import VigilSQL

/// `docker_image_labels`: each label of each image (`GET /images/json`).
public struct DockerImageLabelsTable: VirtualTable {
    public let schema = TableSchema("docker_image_labels", "Docker image labels.", [
        Column("id", .text, "Image ID", .index),
        Column("key", .text, "Label key"),
        Column("value", .text, "Optional label value"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // The images list takes no id filter: SQLite applies `id =` to these rows.
        let images = try api.get("/images/json", table: schema.name)?.array ?? []
        return DockerAPI.labelRows(schema, images, keyColumn: "id", keyField: "Id", asked: DockerAPI.idValues(context, "id"))
    }
}
