import VigilSQL

/// `docker_image_history`: the build steps of each image (`GET /images/ID/history`,
/// what `docker history` prints), of the images `id =` names or else of all.
public struct DockerImageHistoryTable: VirtualTable {
    public let schema = TableSchema("docker_image_history", "Docker image history information.", [
        Column("id", .text, "Image ID", .index),
        Column("created", .bigint, "Time of creation as UNIX time"),
        Column("size", .bigint, "Size of instruction in bytes"),
        Column("created_by", .text, "Created by instruction"),
        Column("tags", .text, "Comma-separated list of tags"),
        Column("comment", .text, "Instruction comment"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for id in try api.imageIDs(context, table: schema.name) {
            for step in try api.getUnlessMissing("/images/\(id)/history", table: schema.name)?.array ?? [] {
                var row = Row(schema)
                row["id"] = .text(id)
                row["created"] = .integer(Int64(step["Created"]?.number ?? 0))
                row["size"] = .integer(Int64(step["Size"]?.number ?? 0))
                row["created_by"] = .text(step["CreatedBy"]?.string ?? "")
                row["tags"] = .text(step["Tags"]?.array?.compactMap(\.string).joined(separator: ",") ?? "")
                row["comment"] = .text(step["Comment"]?.string ?? "")
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}

extension DockerAPI {
    /// The images a query names with `id =` (hex ids or prefixes, as given), or
    /// else every image's id without "sha256:".
    func imageIDs(_ context: QueryContext, table: String) throws -> [String] {
        if let asked = Self.idValues(context, "id") { return asked }
        return (try get("/images/json", table: table)?.array ?? []).map { Self.id($0["Id"]?.string, matching: nil) }
    }

    /// `get`, with nil for an object the daemon does not have (HTTP 404): an id a
    /// query names that matches nothing gives no rows, as in osquery.
    func getUnlessMissing(_ path: String, table: String) throws -> JSONValue? {
        do { return try get(path, table: table) } catch let error as TableError where error.description.contains("HTTP 404") { return nil }
    }
}
