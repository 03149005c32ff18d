import VigilSQL
import VigilSystem

/// `arp_cache`: the IPv4 neighbour cache from /proc/net/arp.
public struct ArpCacheTable: VirtualTable {
    public let schema = TableSchema("arp_cache", "Address resolution cache, both static and dynamic (from ARP, NDP).", [
        Column("address", .text, "IPv4 address target"),
        Column("mac", .text, "MAC address of broadcasted address"),
        Column("interface", .text, "Interface of the network for the MAC"),
        Column("permanent", .text, "1 for true, 0 for false"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let entries: [ArpEntry]
        do {
            entries = try ArpCache.read()
        } catch {
            throw TableError("arp_cache: \(error)")
        }
        return RowSequence(entries) { e in
            var row = Row(schema)
            row["address"] = .text(e.address)
            row["mac"] = .text(e.mac)
            row["interface"] = .text(e.interface)
            row["permanent"] = .text(e.isPermanent ? "1" : "0")
            return row
        }
    }
}
