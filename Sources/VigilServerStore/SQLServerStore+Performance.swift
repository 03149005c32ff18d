import VigilSQL

/// The query performance page's reads, aggregated by the database: one pass for each
/// query's totals and maxima, then window functions rank each host's cost per run within
/// its query and only the ranks at the 50th, 95th and 99th percentile (nearest rank: the
/// ⌈p·n/100⌉-th smallest) come back, one row a query. The ranking sorts every host's row
/// four times (about 7 s for 500,000 rows on SQLite), so in a large fleet it runs over a
/// fixed sample of hosts (one host id in `stride`): p99 over 5,000 hosts is within a few
/// tenths of a percentile of the fleet's.
extension SQLServerStore {
    /// Each host's cost per run of a query, as columns.
    static let perRun = """
        CAST(wall_time_ms AS DOUBLE PRECISION) / executions AS wall, CAST(user_time + system_time AS DOUBLE PRECISION) / executions AS cpu,
        CAST(average_memory AS DOUBLE PRECISION) AS memory, CAST(output_size AS DOUBLE PRECISION) / executions AS output
        """

    static func percentileColumns(_ value: String, _ rank: String) -> String {
        [50, 95, 99].map { "max(CASE WHEN \(rank) = (\($0) * n + 99) / 100 THEN \(value) END)" }.joined(separator: ", ")
    }

    public func queryPerformance(sampleHosts: Int) async throws -> [QueryPerformance] {
        let totals = try await engine.read { db in
            try await db.rows("""
                SELECT name, max(query), count(*), CAST(sum(executions) AS BIGINT), CAST(sum(CASE WHEN denylisted <> 0 THEN 1 ELSE 0 END) AS BIGINT),
                  CAST(sum(CASE WHEN errors > 0 THEN 1 ELSE 0 END) AS BIGINT), CAST(sum(user_time + system_time) AS BIGINT),
                  CAST(sum(CASE WHEN executions > 0 THEN 1 ELSE 0 END) AS BIGINT),
                  max(CASE WHEN executions > 0 THEN CAST(wall_time_ms AS DOUBLE PRECISION) / executions END),
                  max(CASE WHEN executions > 0 THEN CAST(user_time + system_time AS DOUBLE PRECISION) / executions END),
                  max(CASE WHEN executions > 0 THEN CAST(average_memory AS DOUBLE PRECISION) END),
                  max(CASE WHEN executions > 0 THEN CAST(output_size AS DOUBLE PRECISION) / executions END)
                FROM host_schedule GROUP BY name ORDER BY name
                """)
        }
        let most = totals.map { $0[7].integer ?? 0 }.max() ?? 0
        let stride = max(1, (most + Int64(sampleHosts) - 1) / Int64(max(1, sampleHosts)))
        let spread = try await engine.read { db in
            try await db.rows("""
                WITH ran AS (SELECT name, \(Self.perRun) FROM host_schedule WHERE executions > 0 AND host_id % ? = 0),
                ranked AS (
                  SELECT name, wall, cpu, memory, output, count(*) OVER (PARTITION BY name) AS n,
                    row_number() OVER (PARTITION BY name ORDER BY wall) AS rw, row_number() OVER (PARTITION BY name ORDER BY cpu) AS rc,
                    row_number() OVER (PARTITION BY name ORDER BY memory) AS rm, row_number() OVER (PARTITION BY name ORDER BY output) AS ro
                  FROM ran)
                SELECT name, max(n), \(Self.percentileColumns("wall", "rw")), \(Self.percentileColumns("cpu", "rc")),
                  \(Self.percentileColumns("memory", "rm")), \(Self.percentileColumns("output", "ro"))
                FROM ranked GROUP BY name
                """, [.integer(stride)])
        }
        let byName = Dictionary(spread.map { ($0[0].text ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        return totals.map { t in
            let name = t[0].text ?? "", s = byName[name]
            func p(_ i: Int) -> QueryPerformance.Percentiles {
                QueryPerformance.Percentiles(p50: s?[2 + 3 * i].double ?? 0, p95: s?[3 + 3 * i].double ?? 0, p99: s?[4 + 3 * i].double ?? 0,
                                             max: t[8 + i].double ?? 0)
            }
            return QueryPerformance(name: name, query: t[1].text ?? "", hosts: Int(t[2].integer ?? 0), executions: t[3].integer ?? 0,
                                    denylistedHosts: Int(t[4].integer ?? 0), hostsWithErrors: Int(t[5].integer ?? 0), cpuTimeMs: t[6].integer ?? 0,
                                    sampledHosts: Int(s?[1].integer ?? 0), wallTimeMs: p(0), cpuPerRunMs: p(1), memoryBytes: p(2), outputBytes: p(3))
        }
    }
    public func queryHosts(name: String, order: QueryCostOrder, limit: Int) async throws -> [(host: HostRecord, stats: HostQueryStats)] {
        let cost = switch order {
        case .wall: "CAST(s.wall_time_ms AS DOUBLE PRECISION) / s.executions"
        case .cpu: "CAST(s.user_time + s.system_time AS DOUBLE PRECISION) / s.executions"
        case .memory: "s.average_memory"
        case .output: "CAST(s.output_size AS DOUBLE PRECISION) / s.executions"
        }
        let columns = (Self.hostColumns.split(separator: ",").map { "h." + $0.trimmingCharacters(in: .whitespaces) }
            + Self.scheduleColumns.split(separator: ",").map { "s." + $0.trimmingCharacters(in: .whitespaces) }).joined(separator: ", ")
        let hostCount = Self.hostColumns.split(separator: ",").count
        let rows = try await engine.read { db in
            try await db.rows("""
                SELECT \(columns) FROM host_schedule s JOIN hosts h ON h.id = s.host_id
                WHERE s.name = ? AND s.executions > 0 ORDER BY \(cost) DESC, h.id LIMIT ?
                """, [.text(name), .integer(Int64(limit))])
        }
        return rows.map { (Self.host(Array($0[..<hostCount])), Self.stats($0[hostCount...])) }
    }
}
