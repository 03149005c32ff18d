import VigilSQL

/// `docker_container_networks`: each network each container is attached to
/// (`NetworkSettings.Networks` in `GET /containers/json?all=1`).
public struct DockerContainerNetworksTable: VirtualTable {
    public let schema = TableSchema("docker_container_networks", "Docker container networks.", [
        Column("id", .text, "Container ID", .index),
        Column("name", .text, "Network name", .index),
        Column("network_id", .text, "Network ID"),
        Column("endpoint_id", .text, "Endpoint ID"),
        Column("gateway", .text, "Gateway"),
        Column("ip_address", .text, "IP address"),
        Column("ip_prefix_len", .integer, "IP subnet prefix length"),
        Column("ipv6_gateway", .text, "IPv6 gateway"),
        Column("ipv6_address", .text, "IPv6 address"),
        Column("ipv6_prefix_len", .integer, "IPv6 subnet prefix length"),
        Column("mac_address", .text, "MAC address"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let names = context.texts("name")
        return try api.perContainer(context, schema) { container, id in
            guard case .object(let networks)? = container.at("NetworkSettings", "Networks") else { return [] }
            return networks.sorted(by: { $0.key < $1.key }).filter { names?.contains($0.key) ?? true }.map { name, network in
                var row = Row(schema)
                row["id"] = .text(id)
                row["name"] = .text(name)
                for (column, field) in [("network_id", "NetworkID"), ("endpoint_id", "EndpointID"), ("gateway", "Gateway"),
                                        ("ip_address", "IPAddress"), ("ipv6_gateway", "IPv6Gateway"),
                                        ("ipv6_address", "GlobalIPv6Address"), ("mac_address", "MacAddress")] {
                    row[column] = .text(network[field]?.string ?? "")
                }
                row["ip_prefix_len"] = .integer(Int64(network["IPPrefixLen"]?.number ?? 0))
                row["ipv6_prefix_len"] = .integer(Int64(network["GlobalIPv6PrefixLen"]?.number ?? 0))
                return row
            }
        }
    }
}
