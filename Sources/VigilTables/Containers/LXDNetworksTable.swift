import VigilSQL

/// `lxd_networks`: the networks LXD manages and the host interfaces it sees
/// (`GET /1.0/networks`), with each one's counters, address and state
/// (`/1.0/networks/NAME/state`, read only when one of those columns is used).
/// `used_by` lists the users' URLs with the instances' "/1.0/instances/" prefix cut,
/// as osquery.
public struct LXDNetworksTable: VirtualTable {
    public let schema = TableSchema("lxd_networks", "LXD network information.", [
        Column("name", .text, "Name of the network"),
        Column("type", .text, "Type of network"),
        Column("managed", .integer, "1 if network created by LXD, 0 otherwise"),
        Column("ipv4_address", .text, "IPv4 address"),
        Column("ipv6_address", .text, "IPv6 address"),
        Column("used_by", .text, "URLs for containers using this network"),
        Column("bytes_received", .bigint, "Number of bytes received on this network"),
        Column("bytes_sent", .bigint, "Number of bytes sent on this network"),
        Column("packets_received", .bigint, "Number of packets received on this network"),
        Column("packets_sent", .bigint, "Number of packets sent on this network"),
        Column("hwaddr", .text, "Hardware address for this network"),
        Column("state", .text, "Network status"),
        Column("mtu", .integer, "MTU size"),
    ])
    static let counters = ["bytes_received", "bytes_sent", "packets_received", "packets_sent"]
    let api: LXDAPI

    public init(api: LXDAPI = LXDAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let readState = (Self.counters + ["hwaddr", "state", "mtu"]).contains(where: context.isUsed)
        return RowSequence(try api.list("/1.0/networks", table: schema.name)) { network in
            guard let name = network["name"]?.string else { return nil }
            var row = Row(schema)
            row["name"] = .text(name)
            row["type"] = LXDAPI.text(network["type"])
            row["managed"] = LXDAPI.flag(network["managed"])
            row["ipv4_address"] = .text(network.at("config", "ipv4.address")?.string ?? "")
            row["ipv6_address"] = .text(network.at("config", "ipv6.address")?.string ?? "")
            row["used_by"] = .text((network["used_by"]?.array ?? []).compactMap(\.string).map(Self.user).joined(separator: ","))
            // An interface gone since the list, or an error about it: NULLs there.
            if readState, let state = try api.metadata(LXDAPI.path("networks", name) + "/state", table: schema.name, ofOne: true) {
                for counter in Self.counters { row[counter] = LXDAPI.integer(state.at("counters", counter)) }
                row["hwaddr"] = LXDAPI.text(state["hwaddr"])
                row["state"] = LXDAPI.text(state["state"])
                row["mtu"] = LXDAPI.integer(state["mtu"])
            }
            return row
        }
    }

    /// An instance's URL as its name; any other user (a profile) as its URL.
    static func user(_ url: String) -> String {
        for prefix in ["/1.0/containers/", "/1.0/instances/"] where url.hasPrefix(prefix) {
            return String(url.dropFirst(prefix.count))
        }
        return url
    }
}
