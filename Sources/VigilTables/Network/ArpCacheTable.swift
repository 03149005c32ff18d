import VigilSQL
import VigilSystem

/// `arp_cache`: the IPv4 neighbour cache from /proc/net/arp.
public struct ArpCacheTable: VirtualTable {
    public let schema = TableSchema("arp_cache", "IPv4 neighbour entries from /proc/net/arp.", [
        Column("address", .text, "Neighbour's IPv4 address"),
        Column("mac", .text, "Link-layer address; 00:00:00:00:00:00 while unresolved"),
        Column("interface", .text, "Device the entry was learned on"),
        Column("permanent", .text, "Text '1' for a static entry (ATF_PERM flag), else '0'"),
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
