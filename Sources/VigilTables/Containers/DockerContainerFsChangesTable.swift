import VigilSQL

/// `docker_container_fs_changes`: what changed in each container's filesystem
/// against its image, for the containers the query names (`id =` is required), as
/// the daemon reports it (`GET /containers/ID/changes`, what `docker diff` prints).
public struct DockerContainerFsChangesTable: VirtualTable {
    public let schema = TableSchema("docker_container_fs_changes", "Changes to files or directories on container's filesystem.", [
        Column("id", .text, "Container ID", [.index, .required]),
        Column("path", .text, "FIle or directory path relative to rootfs"),
        Column("change_type", .text, "Type of change: C:Modified, A:Added, D:Deleted"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let ids = DockerAPI.idValues(context, "id") else { throw TableError.missingRequired(schema) }
        var rows: [Row] = []
        for id in ids {
            // No changes at all is `null`, not an empty list.
            for change in try api.getUnlessMissing("/containers/\(id)/changes", table: schema.name)?.array ?? [] {
                var row = Row(schema)
                row["id"] = .text(id)
                row["path"] = .text(change["Path"]?.string ?? "")
                // The daemon's kinds: 0 modified, 1 added, 2 deleted.
                switch change["Kind"]?.number {
                case 0: row["change_type"] = "C"
                case 1: row["change_type"] = "A"
                case 2: row["change_type"] = "D"
                default: row["change_type"] = ""
                }
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
