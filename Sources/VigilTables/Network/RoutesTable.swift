import VigilSQL
import VigilSystem

/// `routes`: the kernel routing table: IPv4 main table from /proc/net/route and
/// every IPv6 route from /proc/net/ipv6_route.
public struct RoutesTable: VirtualTable {
    public let schema = TableSchema("routes", "The active route table for the host system.", [
        Column("destination", .text, "Destination IP address"),
        Column("netmask", .integer, "Netmask length"),
        Column("gateway", .text, "Route gateway"),
        Column("source", .text, "Route source"),
        Column("flags", .integer, "Flags to describe route"),
        Column("interface", .text, "Route local interface"),
        Column("mtu", .integer, "Maximum Transmission Unit for the route"),
        Column("metric", .integer, "Cost of route. Lowest is preferred"),
        Column("type", .text, "Type of route", .additional),
        Column("hopcount", .integer, "Max hops expected"),
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
