import VigilSQL
import VigilSystem

/// `docker_networks`: the daemon's networks (`GET /networks`) with the first IPAM
/// subnet and gateway; `id =` is pushed down as Docker's id filter.
public struct DockerNetworksTable: VirtualTable {
    public let schema = TableSchema("docker_networks", "Docker networks information.", [
        Column("id", .text, "Network ID", .index),
        Column("name", .text, "Network name"),
        Column("driver", .text, "Network driver"),
        Column("created", .bigint, "Time of creation as UNIX time"),
        Column("enable_ipv6", .integer, "1 if IPv6 is enabled on this network. 0 otherwise"),
        Column("subnet", .text, "Network subnet"),
        Column("gateway", .text, "Network gateway"),
    ])
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let (asked, networks) = try api.networks(context, table: schema.name)
        return RowSequence(networks) { network in
            var row = Row(schema)
            row["id"] = .text(DockerAPI.id(network["Id"]?.string, matching: asked))
            row["name"] = .text(network["Name"]?.string ?? "")
            row["driver"] = .text(network["Driver"]?.string ?? "")
            row["created"] = .integer(network["Created"]?.string.flatMap { Clock.unixSeconds(rfc3339: $0) } ?? 0)
            row["enable_ipv6"] = .integer(network["EnableIPv6"]?.bool == true ? 1 : 0)
            let ipam = network.at("IPAM", "Config")?.array?.first
            row["subnet"] = .text(ipam?["Subnet"]?.string ?? "")
            row["gateway"] = .text(ipam?["Gateway"]?.string ?? "")
            return row
        }
    }
}

extension DockerAPI {
    /// The networks (`GET /networks`), only those whose id starts with an `id =` value
    /// when the query names some; and the values asked for.
    func networks(_ context: QueryContext, table: String) throws -> (asked: [String]?, list: [JSONValue]) {
        let asked = Self.idValues(context, "id")
        if asked?.isEmpty == true { return (asked, []) }
        return (asked, try get("/networks" + Self.filterQuery("id", asked, all: false), table: table)?.array ?? [])
    }
}
