import VigilSQL

/// `docker_image_layers`: the layers of each image, base first (`GET /images/ID/json`,
/// RootFS.Layers, ids without "sha256:"), of the images `id =` names or else of all.
public struct DockerImageLayersTable: VirtualTable {
    public let schema = TableSchema("docker_image_layers", "Docker image layers information.", [
        Column("id", .text, "Image ID", .index),
        Column("layer_id", .text, "Layer ID"),
        Column("layer_order", .integer, "Layer Order (1 = base layer)"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for id in try api.imageIDs(context, table: schema.name) {
            let layers = try api.getUnlessMissing("/images/\(id)/json", table: schema.name)?.at("RootFS", "Layers")?.array ?? []
            for (i, layer) in layers.enumerated() {
                var row = Row(schema)
                row["id"] = .text(id)
                row["layer_id"] = .text(DockerAPI.id(layer.string, matching: nil))
                row["layer_order"] = .integer(Int64(i + 1))
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
