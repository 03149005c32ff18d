import VigilSQL
import VigilSystem

/// `interface_details`: link attributes and counters of each interface: the list
/// and flags from getifaddrs (AF_PACKET entries), the rest from /sys/class/net.
public struct InterfaceDetailsTable: VirtualTable {
    public let schema = TableSchema("interface_details", "Per-interface link attributes and traffic counters (getifaddrs, /sys/class/net).", [
        Column("interface", .text, "Interface name (eth0, lo, ...)"),
        Column("mac", .text, "Link-layer address from /sys/class/net/IF/address"),
        Column("type", .integer, "ARPHRD link type number (1 Ethernet, 772 loopback, ...)"),
        Column("mtu", .integer, "Largest packet size in bytes"),
        Column("metric", .integer, "Always 0: Linux keeps no per-interface metric"),
        Column("flags", .integer, "IFF_* bits from getifaddrs (see netdevice(7))"),
        Column("ipackets", .bigint, "Packets received (statistics/rx_packets)"),
        Column("opackets", .bigint, "Packets sent (statistics/tx_packets)"),
        Column("ibytes", .bigint, "Bytes received (statistics/rx_bytes)"),
        Column("obytes", .bigint, "Bytes sent (statistics/tx_bytes)"),
        Column("ierrors", .bigint, "Receive errors (statistics/rx_errors)"),
        Column("oerrors", .bigint, "Transmit errors (statistics/tx_errors)"),
        Column("idrops", .bigint, "Received packets dropped (statistics/rx_dropped)"),
        Column("odrops", .bigint, "Outgoing packets dropped (statistics/tx_dropped)"),
        Column("collisions", .bigint, "Collisions counted (statistics/collisions)"),
        Column("last_change", .bigint, "Always -1: Linux does not record when a link last changed"),
        Column("link_speed", .bigint, "Negotiated speed in Mb/s; NULL for virtual or down links"),
        Column("pci_slot", .text, "PCI address of the backing device (PCI_SLOT_NAME); NULL if none"),
        .otherPlatform("friendly_name", .text, "Windows", "friendly display name of the interface"),
        .otherPlatform("description", .text, "Windows", "one-line description of the adapter"),
        .otherPlatform("manufacturer", .text, "Windows", "adapter's manufacturer"),
        .otherPlatform("connection_id", .text, "Windows", "name of the network connection"),
        .otherPlatform("connection_status", .text, "Windows", "state of the connection"),
        .otherPlatform("enabled", .integer, "Windows", "whether the adapter is enabled"),
        .otherPlatform("physical_adapter", .integer, "Windows", "whether the adapter is physical"),
        .otherPlatform("speed", .integer, "Windows", "estimated bandwidth in bits per second"),
        .otherPlatform("service", .text, "Windows", "service the adapter uses"),
        .otherPlatform("dhcp_enabled", .integer, "Windows", "whether DHCP assigns the address"),
        .otherPlatform("dhcp_lease_expires", .text, "Windows", "when the DHCP lease expires"),
        .otherPlatform("dhcp_lease_obtained", .text, "Windows", "when the DHCP lease was obtained"),
        .otherPlatform("dhcp_server", .text, "Windows", "address of the DHCP server"),
        .otherPlatform("dns_domain", .text, "Windows", "DNS domain"),
        .otherPlatform("dns_domain_suffix_search_order", .text, "Windows", "DNS suffixes appended during name resolution"),
        .otherPlatform("dns_host_name", .text, "Windows", "DNS host name"),
        .otherPlatform("dns_server_search_order", .text, "Windows", "DNS servers to query"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let links: [InterfaceEntry]
        do {
            links = try Interfaces.entries().filter { $0.family == InterfaceEntry.familyPacket }
        } catch {
            throw TableError("interface_details: \(error)")
        }
        return RowSequence(links) { link in
            let dev = NetworkDevice(link.name)
            var row = Row(schema)
            row["interface"] = .text(link.name)
            row["mac"] = SQLValue(dev.mac)
            row["type"] = SQLValue(dev.type)
            row["mtu"] = SQLValue(dev.mtu)
            // Linux keeps no interface metric (SIOCGIFMETRIC always answers 0).
            row["metric"] = 0
            row["flags"] = .integer(Int64(link.flags))
            let counters = [("ipackets", "rx_packets"), ("opackets", "tx_packets"), ("ibytes", "rx_bytes"),
                            ("obytes", "tx_bytes"), ("ierrors", "rx_errors"), ("oerrors", "tx_errors"),
                            ("idrops", "rx_dropped"), ("odrops", "tx_dropped"), ("collisions", "collisions")]
            for (column, file) in counters where context.isUsed(column) {
                row[column] = SQLValue(dev.statistic(file))
            }
            // Linux does not record when a link last changed.
            row["last_change"] = -1
            if context.isUsed("link_speed") { row["link_speed"] = SQLValue(dev.speed) }
            if context.isUsed("pci_slot") { row["pci_slot"] = SQLValue(dev.pciSlot) }
            return row
        }
    }
}
