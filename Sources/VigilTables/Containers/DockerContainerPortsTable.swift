import VigilSQL

/// `docker_container_ports`: each port mapping of each container (`Ports` in
/// `GET /containers/json?all=1`); an exposed port without a host side has host_ip ''
/// and host_port 0, as osquery shows it.
public struct DockerContainerPortsTable: VirtualTable {
    public let schema = TableSchema("docker_container_ports", "Docker container ports.", [
        Column("id", .text, "Container ID", .additional),
        Column("type", .text, "Protocol (tcp, udp)"),
        Column("port", .integer, "Port inside the container"),
        Column("host_ip", .text, "Host IP address on which public port is listening"),
        Column("host_port", .integer, "Host port"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        try api.perContainer(context, schema) { container, id in
            (container["Ports"]?.array ?? []).map { port in
                var row = Row(schema)
                row["id"] = .text(id)
                row["type"] = .text(port["Type"]?.string ?? "")
                row["port"] = .integer(Int64(port["PrivatePort"]?.number ?? 0))
                row["host_ip"] = .text(port["IP"]?.string ?? "")
                row["host_port"] = .integer(Int64(port["PublicPort"]?.number ?? 0))
                return row
            }
        }
    }
}
