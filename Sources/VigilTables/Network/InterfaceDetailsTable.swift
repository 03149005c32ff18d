import VigilSQL
import VigilSystem

/// `interface_details`: link attributes and counters of each interface: the list
/// and flags from getifaddrs (AF_PACKET entries), the rest from /sys/class/net.
public struct InterfaceDetailsTable: VirtualTable {
    public let schema = TableSchema("interface_details", "Detailed information and stats of network interfaces.", [
        Column("interface", .text, "Interface name"),
        Column("mac", .text, "MAC of interface (optional)"),
        Column("type", .integer, "Interface type (includes virtual)"),
        Column("mtu", .integer, "Network MTU"),
        Column("metric", .integer, "Metric based on the speed of the interface"),
        Column("flags", .integer, "Flags (netdevice) for the device"),
        Column("ipackets", .bigint, "Input packets"),
        Column("opackets", .bigint, "Output packets"),
        Column("ibytes", .bigint, "Input bytes"),
        Column("obytes", .bigint, "Output bytes"),
        Column("ierrors", .bigint, "Input errors"),
        Column("oerrors", .bigint, "Output errors"),
        Column("idrops", .bigint, "Input drops"),
        Column("odrops", .bigint, "Output drops"),
        Column("collisions", .bigint, "Packet collisions detected"),
        Column("last_change", .bigint, "Time of last device modification (optional)"),
        Column("link_speed", .bigint, "Interface speed in Mb/s"),
        Column("pci_slot", .text, "PCI slot number"),
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
