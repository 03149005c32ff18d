import VigilSQL
import VigilSystem

/// `interface_addresses`: the IPv4 and IPv6 addresses of each interface (getifaddrs).
public struct InterfaceAddressesTable: VirtualTable {
    public let schema = TableSchema("interface_addresses", "IPv4 and IPv6 addresses assigned to each interface (getifaddrs).", [
        Column("interface", .text, "Interface name (eth0, lo, ...)"),
        Column("address", .text, "Assigned IP address"),
        Column("mask", .text, "Netmask in address form (255.255.255.0, ffff:ffff:ffff:ffff::)"),
        Column("broadcast", .text, "Broadcast address; NULL unless the link is broadcast-capable"),
        Column("point_to_point", .text, "Peer address of a point-to-point link; NULL otherwise"),
        Column("type", .text, "Always 'unknown': getifaddrs does not tell how an address was set"),
        .otherPlatform("friendly_name", .text, "Windows", "friendly display name of the interface"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let entries: [InterfaceEntry]
        do {
            entries = try Interfaces.entries()
        } catch {
            throw TableError("interface_addresses: \(error)")
        }
        let addresses = entries.filter { $0.family == InetAddress.familyInet || $0.family == InetAddress.familyInet6 }
        return RowSequence(addresses) { e in
            var row = Row(schema)
            row["interface"] = .text(e.name)
            row["address"] = SQLValue(e.address)
            row["mask"] = SQLValue(e.netmask)
            row["broadcast"] = SQLValue(e.broadcast)
            row["point_to_point"] = SQLValue(e.pointToPoint)
            // getifaddrs does not say how an address was configured.
            row["type"] = "unknown"
            return row
        }
    }
}
