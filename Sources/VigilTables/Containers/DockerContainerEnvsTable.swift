import VigilSQL

/// `docker_container_envs`: each environment variable of each container, from
/// its inspection (`GET /containers/ID/json`, Config.Env "KEY=value").
public struct DockerContainerEnvsTable: VirtualTable {
    public let schema = TableSchema("docker_container_envs", "Docker container environment variables.", [
        Column("id", .text, "Container ID", .index),
        Column("key", .text, "Environment variable name"),
        Column("value", .text, "Environment variable value"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        try api.perContainer(context, schema) { container, id in
            guard let fullID = container["Id"]?.string,
                  let details = try api.get("/containers/\(fullID)/json", table: schema.name) else { return [] }
            return (details.at("Config", "Env")?.array?.compactMap(\.string) ?? []).map { variable in
                // The value may hold '=' itself: split at the first one only.
                let (key, value) = variable.firstIndex(of: "=").map {
                    (String(variable[..<$0]), String(variable[variable.index(after: $0)...]))
                } ?? (variable, "")
                var row = Row(schema)
                row["id"] = .text(id)
                row["key"] = .text(key)
                row["value"] = .text(value)
                return row
            }
        }
    }
}
