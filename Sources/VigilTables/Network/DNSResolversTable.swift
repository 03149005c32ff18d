import CLinux
import VigilSQL
import VigilSystem

/// `dns_resolvers`: the nameservers, search domains and sortlist of /etc/resolv.conf
/// (or of /proc/PID/root/etc/resolv.conf for `pid_with_namespace`).
public struct DNSResolversTable: VirtualTable {
    public let schema = TableSchema("dns_resolvers", "Nameservers, search domains and sortlist entries of /etc/resolv.conf.", [
        Column("id", .integer, "Position among the entries of the same type, from 0"),
        Column("type", .text, "nameserver, search or sortlist"),
        Column("address", .text, "Nameserver address, search domain, or sortlist network"),
        Column("netmask", .text, "Sortlist netmask (bits or dotted), else empty"),
        Column("options", .bigint, "The resolver's option bits after reading the file (res_ninit's options)"),
        Column("pid_with_namespace", .integer, "Read /proc/PID/root/etc/resolv.conf; 0 means the host", [.additional, .hidden]),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let options = Int64(truncatingIfNeeded: vigil_resolver_options())
        var rows: [Row] = []
        for (pid, root) in PidNamespace.roots(context) {
            guard let text = FileSystem.readTextIfPresent(root + "/etc/resolv.conf") else { continue }
            var counts: [String: Int] = [:]
            for line in FileSystem.lines(text) {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let kind = words.first, ["nameserver", "search", "domain", "sortlist"].contains(kind) else { continue }
                let type = kind == "domain" ? "search" : kind
                for value in words.dropFirst() {
                    if value.hasPrefix("#") || value.hasPrefix(";") { break }
                    var row = Row(schema)
                    row["id"] = SQLValue(counts[type, default: 0])
                    counts[type, default: 0] += 1
                    row["type"] = .text(type)
                    let parts = value.split(separator: "/", maxSplits: 1).map(String.init)
                    row["address"] = .text(type == "sortlist" ? parts[0] : value)
                    row["netmask"] = .text(type == "sortlist" && parts.count > 1 ? parts[1] : "")
                    row["options"] = .integer(options)
                    row["pid_with_namespace"] = .integer(pid)
                    rows.append(row)
                    if type == "nameserver" { break }  // one address per nameserver line
                }
            }
        }
        return RowSequence(rows)
    }
}
