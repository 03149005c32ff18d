import VigilSQL
import VigilSystem

/// `iptables`: the IPv4 packet-filter rules in the kernel's x_tables (libiptc, what
/// `iptables-legacy -L -v -n` lists): for each chain a row with its policy, then a
/// row per rule. `filter_name =` reads only that table. Needs root (CAP_NET_ADMIN).
public struct IptablesTable: VirtualTable {
    public let schema = TableSchema("iptables", "IPv4 x_tables rules (iptables-legacy): a row per chain with its policy, then a row per rule.", [
        Column("filter_name", .text, "Table: filter, nat, mangle, raw or security", .index),
        Column("chain", .text, "Chain name (INPUT, FORWARD, a user chain)"),
        Column("policy", .text, "Policy of a built-in chain (ACCEPT, DROP); empty for a user chain"),
        Column("target", .text, "Rule's target (ACCEPT, DROP, a chain); empty on the chain's row"),
        Column("protocol", .integer, "IP protocol number the rule matches; 0 for any"),
        Column("src_port", .text, "Source ports of a tcp/udp match as min:max; empty without one"),
        Column("dst_port", .text, "Destination ports of a tcp/udp match as min:max; empty without one"),
        Column("src_ip", .text, "Source address"),
        Column("src_mask", .text, "Source netmask"),
        Column("iniface", .text, "Input interface; 'all' when any"),
        Column("iniface_mask", .text, "Input interface mask, upper-case hex bytes"),
        Column("dst_ip", .text, "Destination address"),
        Column("dst_mask", .text, "Destination netmask"),
        Column("outiface", .text, "Output interface; 'all' when any"),
        Column("outiface_mask", .text, "Output interface mask, upper-case hex bytes"),
        Column("match", .text, "'yes' if the rule has match extensions (-m), else 'no'"),
        Column("packets", .integer, "Packets counted by the rule (the chain's row: by its policy)"),
        Column("bytes", .integer, "Bytes counted by the rule (the chain's row: by its policy)"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var tables = IPTables.tableNames()
        if let wanted = context.texts("filter_name") { tables = tables.filter(wanted.contains) }
        var entries: [IPTablesEntry] = []
        for table in tables {
            do { entries += try IPTables.entries(table: table) } catch { throw TableError("iptables: \(error)") }
        }
        return RowSequence(entries) { e in
            var row = Row(schema)
            row["filter_name"] = .text(e.table)
            row["chain"] = .text(e.chain)
            row["policy"] = .text(e.policy)
            row["packets"] = SQLValue(Int64(truncatingIfNeeded: e.packets))
            row["bytes"] = SQLValue(Int64(truncatingIfNeeded: e.bytes))
            row["target"] = .text("")   // the chain's own row: empty, as its column says (not NULL)
            guard let r = e.rule else { return row }
            row["target"] = .text(r.target)
            row["protocol"] = SQLValue(r.proto)
            row["src_port"] = .text(r.sourcePorts)
            row["dst_port"] = .text(r.destinationPorts)
            row["src_ip"] = .text(r.source)
            row["src_mask"] = .text(r.sourceMask)
            row["iniface"] = .text(r.inInterface.isEmpty ? "all" : r.inInterface)
            row["iniface_mask"] = .text(r.inInterfaceMask)
            row["dst_ip"] = .text(r.destination)
            row["dst_mask"] = .text(r.destinationMask)
            row["outiface"] = .text(r.outInterface.isEmpty ? "all" : r.outInterface)
            row["outiface_mask"] = .text(r.outInterfaceMask)
            row["match"] = .text(r.matches.isEmpty ? "no" : "yes")
            return row
        }
    }
}
