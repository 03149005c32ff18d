import VigilSQL
import VigilSystem

/// `routes`: the kernel routing table: IPv4 main table from /proc/net/route and
/// every IPv6 route from /proc/net/ipv6_route.
public struct RoutesTable: VirtualTable {
    public let schema = TableSchema("routes", "Kernel routes: the IPv4 main table and all IPv6 routes, from /proc/net.", [
        Column("destination", .text, "Destination network address"),
        Column("netmask", .integer, "Destination prefix length in bits"),
        Column("gateway", .text, "Next-hop address; NULL if the route has none"),
        Column("source", .text, "Always NULL: /proc/net does not give a preferred source"),
        Column("flags", .integer, "RTF_* bits as /proc/net prints them"),
        Column("interface", .text, "Outgoing interface name"),
        Column("mtu", .integer, "Route MTU (0 when unset); always 0 for IPv6"),
        Column("metric", .integer, "Route priority value; among equal prefixes the smallest wins"),
        Column("type", .text, "local (RTF_LOCAL), other (reject route), else gateway", .additional),
        Column("hopcount", .integer, "Always 0: Linux keeps no hop count"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var routes: [Route] = []
        var failures: [SystemError] = []
        // A kernel without IPv6 has no ipv6_route: that alone is not a failure.
        do { routes += try Routes.ipv4() } catch { failures.append(error) }
        do { routes += try Routes.ipv6() } catch { failures.append(error) }
        if failures.count == 2 { throw TableError("routes: \(failures[0])") }
        return RowSequence(routes) { r in
            var row = Row(schema)
            row["destination"] = .text(r.destination)
            row["netmask"] = SQLValue(r.prefixLength)
            row["gateway"] = SQLValue(r.gateway)
            row["flags"] = .integer(r.flags)
            row["interface"] = .text(r.interface)
            row["mtu"] = .integer(r.mtu)
            row["metric"] = .integer(r.metric)
            row["type"] = .text(r.isLocal ? "local" : r.isReject ? "other" : "gateway")
            row["hopcount"] = 0
            return row
        }
    }
}
