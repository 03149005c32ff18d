import VigilSQL

/// `docker_version`: the daemon's version (`GET /version`); no row without Docker.
public struct DockerVersionTable: VirtualTable {
    public let schema = TableSchema("docker_version", "Docker version information.", [
        Column("version", .text, "Docker version").collated(.version),
        Column("api_version", .text, "API version").collated(.version),
        Column("min_api_version", .text, "Minimum API version supported").collated(.version),
        Column("git_commit", .text, "Docker build git commit"),
        Column("go_version", .text, "Go version").collated(.version),
        Column("os", .text, "Operating system"),
        Column("arch", .text, "Hardware architecture"),
        Column("kernel_version", .text, "Kernel version").collated(.version),
        Column("build_time", .text, "Build time"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let version = try api.get("/version", table: schema.name) else { return RowSequence([]) }
        var row = Row(schema)
        for (column, field) in [("version", "Version"), ("api_version", "ApiVersion"), ("min_api_version", "MinAPIVersion"),
                                ("git_commit", "GitCommit"), ("go_version", "GoVersion"), ("os", "Os"), ("arch", "Arch"),
                                ("kernel_version", "KernelVersion"), ("build_time", "BuildTime")] {
            row[column] = .text(version[field]?.string ?? "")
        }
        return RowSequence([row])
    }
}
