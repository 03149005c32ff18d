import VigilSQL

/// `docker_containers`: every container of the Docker daemon (`GET /containers/json?all=1`),
/// with what an inspection adds (`GET /containers/ID/json`: pid, path, entrypoint,
/// times, privileges, environment) and, for a running one, its namespaces from
/// /proc/PID/ns. `id =` is pushed down as Docker's id filter (prefixes match); `name =`
/// skips the other containers before any is inspected; the inspection is made only
/// when one of its columns is used.
public struct DockerContainersTable: VirtualTable {
    public let schema = TableSchema("docker_containers", "Docker containers information.", [
        Column("id", .text, "Container ID", .index),
        Column("name", .text, "Container name", .index),
        Column("image", .text, "Docker image (name) used to launch this container"),
        Column("image_id", .text, "Docker image ID"),
        Column("command", .text, "Command with arguments"),
        Column("created", .bigint, "Time of creation as UNIX time"),
        Column("state", .text, "Container state (created, restarting, running, removing, paused, exited, dead)"),
        Column("status", .text, "Container status information"),
        Column("pid", .bigint, "Identifier of the initial process"),
        Column("path", .text, "Container path"),
        Column("config_entrypoint", .text, "Container entrypoint(s)"),
        Column("started_at", .text, "Container start time as string"),
        Column("finished_at", .text, "Container finish time as string"),
        Column("privileged", .integer, "Is the container privileged"),
        Column("security_options", .text, "List of container security options"),
        Column("env_variables", .text, "Container environmental variables"),
        Column("readonly_rootfs", .integer, "Is the root filesystem mounted as read only"),
        Column("cgroup_namespace", .text, "cgroup namespace"),
        Column("ipc_namespace", .text, "IPC namespace"),
        Column("mnt_namespace", .text, "Mount namespace"),
        Column("net_namespace", .text, "Network namespace"),
        Column("pid_namespace", .text, "PID namespace"),
        Column("user_namespace", .text, "User namespace"),
        Column("uts_namespace", .text, "UTS namespace"),
    ])
    static let inspected = ["pid", "path", "config_entrypoint", "started_at", "finished_at", "privileged",
                            "security_options", "env_variables", "readonly_rootfs", "cgroup_namespace", "ipc_namespace",
                            "mnt_namespace", "net_namespace", "pid_namespace", "user_namespace", "uts_namespace"]
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let (asked, all) = try api.containers(context, table: schema.name)
        let names = context.texts("name")
        let list = all.filter { names?.contains($0["Names"]?.array?.first?.string ?? "") ?? true }
        let inspect = Self.inspected.contains(where: context.isUsed)
        return RowSequence(list) { container in
            var row = Row(schema)
            let id = DockerAPI.id(container["Id"]?.string, matching: asked)
            row["id"] = .text(id)
            row["name"] = .text(container["Names"]?.array?.first?.string ?? "")
            row["image"] = .text(container["Image"]?.string ?? "")
            row["image_id"] = .text(DockerAPI.id(container["ImageID"]?.string, matching: nil))
            row["command"] = .text(container["Command"]?.string ?? "")
            row["created"] = .integer(Int64(container["Created"]?.number ?? 0))
            row["state"] = .text(container["State"]?.string ?? "")
            row["status"] = .text(container["Status"]?.string ?? "")
            guard inspect, let fullID = container["Id"]?.string,
                  let details = try api.get("/containers/\(fullID)/json", table: schema.name) else { return row }
            let pid = Int64(details.at("State", "Pid")?.number ?? -1)
            row["pid"] = .integer(pid)
            row["path"] = .text(details["Path"]?.string ?? "")
            row["config_entrypoint"] = .text(Self.joined(details.at("Config", "Entrypoint")))
            row["started_at"] = .text(details.at("State", "StartedAt")?.string ?? "")
            row["finished_at"] = .text(details.at("State", "FinishedAt")?.string ?? "")
            row["privileged"] = .integer(details.at("HostConfig", "Privileged")?.bool == true ? 1 : 0)
            row["readonly_rootfs"] = .integer(details.at("HostConfig", "ReadonlyRootfs")?.bool == true ? 1 : 0)
            row["security_options"] = .text(Self.joined(details.at("HostConfig", "SecurityOpt")))
            row["env_variables"] = .text(Self.joined(details.at("Config", "Env")))
            // A stopped container's pid is 0: it has no namespaces to show.
            if pid > 0 {
                for (kind, inode) in ProcessNamespacesTable.namespaceInodes(pid: pid) {
                    row[kind + "_namespace"] = .text(inode)
                }
            }
            return row
        }
    }

    /// A string array joined by ", " as osquery joins it; null or absent → "".
    static func joined(_ value: JSONValue?) -> String {
        value?.array?.compactMap(\.string).joined(separator: ", ") ?? ""
    }
}
