import VigilSQL
import VigilSystem

/// `interface_ipv6`: each interface's IPv6 settings from /proc/sys/net/ipv6/conf/IF.
public struct InterfaceIPv6Table: VirtualTable {
    public let schema = TableSchema("interface_ipv6", "IPv6 settings of each interface from /proc/sys/net/ipv6/conf (hop limit, forwarding, redirects, router adverts).", [
        Column("interface", .text, "Interface name"),
        Column("hop_limit", .integer, "Hop limit of packets sent (hop_limit)"),
        Column("forwarding_enabled", .integer, "forwarding: 1 if the interface forwards IPv6 packets"),
        Column("redirect_accept", .integer, "accept_redirects: 1 if ICMPv6 redirects are accepted"),
        Column("rtadv_accept", .integer, "accept_ra: 0 ignore router advertisements, 1 accept, 2 accept even when forwarding"),
    ])
    let root: String

    public init() { self.init(root: "/proc/sys/net/ipv6/conf") }
    init(root: String) { self.root = root }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // "all" and "default" are settings templates, not interfaces.
        let names = ((try? FileSystem.list(root)) ?? []).filter { $0 != "all" && $0 != "default" }.sorted()
        return RowSequence(names) { name in
            func value(_ file: String) -> SQLValue {
                SQLValue(FileSystem.readTextIfPresent(root + "/" + name + "/" + file).flatMap { Int64($0.trimmingCharacters()) })
            }
            var row = Row(schema)
            row["interface"] = .text(name)
            row["hop_limit"] = value("hop_limit")
            row["forwarding_enabled"] = value("forwarding")
            row["redirect_accept"] = value("accept_redirects")
            row["rtadv_accept"] = value("accept_ra")
            return row
        }
    }
}
