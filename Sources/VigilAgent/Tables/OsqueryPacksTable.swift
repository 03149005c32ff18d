import VigilSQL

/// `osquery_packs`: the config's packs, with osquery's meaning of `active`: the pack
/// applies to this host (platform, shard) and its discovery queries last returned rows.
public struct OsqueryPacksTable: VirtualTable {
    public let schema = TableSchema("osquery_packs", "The config's query packs: platform, version and shard restrictions, discovery counts, and whether the pack is active.", [
        Column("name", .text, "The given name for this query pack"),
        Column("platform", .text, "Platforms this query is supported on"),
        Column("version", .text, "Minimum osquery version that this query will run on"),
        Column("shard", .integer, "Shard restriction limit, 1-100, 0 meaning no restriction"),
        Column("discovery_cache_hits", .integer, "Times a due query of the pack was let run or held on the last discovery result, since the config was loaded"),
        Column("discovery_executions", .integer, "Times the pack's discovery queries ran since the config was loaded"),
        Column("active", .integer, "1 if the pack applies to this host and its discovery queries (if any) last returned rows, else 0"),
    ])
    let view: AgentStateView

    public init(view: AgentStateView) { self.view = view }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let off = view.packsOff
        let counts = view.discoveryCounts
        return RowSequence(view.schedule.packs.map { pack in
            var row = Row(schema)
            let c = counts[pack.name] ?? PackDiscovery.Counts()
            row["name"] = .text(pack.name)
            row["platform"] = .text(pack.platform)
            row["version"] = .text(pack.version)
            row["shard"] = SQLValue(pack.shard)
            row["discovery_cache_hits"] = SQLValue(c.cacheHits)
            row["discovery_executions"] = SQLValue(c.executions)
            row["active"] = SQLValue(pack.applies && !off.contains(pack.name))
            return row
        })
    }
}
