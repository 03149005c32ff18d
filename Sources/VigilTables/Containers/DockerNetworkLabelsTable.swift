import VigilSQL

/// `docker_network_labels`: each label of each network (`GET /networks`).
public struct DockerNetworkLabelsTable: VirtualTable {
    public let schema = TableSchema("docker_network_labels", "Docker network labels.", [
        Column("id", .text, "Network ID", .index),
        Column("key", .text, "Label key"),
        Column("value", .text, "Optional label value"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let (asked, networks) = try api.networks(context, table: schema.name)
        return DockerAPI.labelRows(schema, networks, keyColumn: "id", keyField: "Id", asked: asked)
    }
}
