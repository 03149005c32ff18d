import VigilSQL
import VigilSystem

/// `interface_addresses`: the IPv4 and IPv6 addresses of each interface (getifaddrs).
public struct InterfaceAddressesTable: VirtualTable {
    public let schema = TableSchema("interface_addresses", "Network interfaces and relevant metadata.", [
        Column("interface", .text, "Interface name"),
        Column("address", .text, "Specific address for interface"),
        Column("mask", .text, "Interface netmask"),
        Column("broadcast", .text, "Broadcast address for the interface"),
        Column("point_to_point", .text, "PtP address for the interface"),
        Column("type", .text, "Type of address: dhcp, manual, auto, other or unknown"),
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
