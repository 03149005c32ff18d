import VigilSQL

/// `docker_images`: the daemon's images (`GET /images/json`), ids without "sha256:".
public struct DockerImagesTable: VirtualTable {
    public let schema = TableSchema("docker_images", "Docker images information.", [
        Column("id", .text, "Image ID"),
        Column("created", .bigint, "Time of creation as UNIX time"),
        Column("size_bytes", .bigint, "Size of image in bytes"),
        Column("tags", .text, "Comma-separated list of repository tags"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let images = try api.get("/images/json", table: schema.name)?.array ?? []
        return RowSequence(images) { image in
            var row = Row(schema)
            row["id"] = .text(DockerAPI.id(image["Id"]?.string, matching: nil))
            row["created"] = .integer(Int64(image["Created"]?.number ?? 0))
            row["size_bytes"] = .integer(Int64(image["Size"]?.number ?? 0))
            row["tags"] = .text(image["RepoTags"]?.array?.compactMap(\.string).joined(separator: ",") ?? "")
            return row
        }
    }
}
