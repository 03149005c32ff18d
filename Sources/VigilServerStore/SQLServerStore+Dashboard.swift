import VigilSQL

/// The dashboard's fleet-wide figures beyond the hosts page's: enrollments over time,
/// the hosts losing events or output, and the servers' own CPU and memory.
extension SQLServerStore {
    public func enrollments(since: Int64, bucketSeconds: Int64) async throws -> (before: Int, buckets: [(time: Int64, hosts: Int)]) {
        try await engine.read { db in
            let before = try await db.rows("SELECT count(*) FROM hosts WHERE \(Self.enrolled) AND enrolled_at < ?", [.integer(since)]).first?[0].integer ?? 0
            let rows = try await db.rows("""
                SELECT (enrolled_at / ?) * ?, count(*) FROM hosts WHERE \(Self.enrolled) AND enrolled_at >= ? GROUP BY 1 ORDER BY 1
                """, [.integer(bucketSeconds), .integer(bucketSeconds), .integer(since)])
            return (Int(before), rows.map { (time: $0[0].integer ?? 0, hosts: Int($0[1].integer ?? 0)) })
        }
    }

    public func losses(limit: Int) async throws -> (eventsLost: Int64, outputsDropped: Int64, hosts: [HostLosses]) {
        try await engine.read { db in
            let totals = try await db.rows("""
                SELECT CAST(coalesce(sum(hh.events_lost), 0) AS BIGINT), CAST(coalesce(sum(hh.outputs_dropped), 0) AS BIGINT)
                FROM host_health hh JOIN hosts h ON h.id = hh.host_id WHERE h.\(Self.enrolled)
                """).first
            let hosts = try await db.rows("""
                SELECT h.id, h.hostname, h.host_identifier, hh.events_lost, hh.outputs_dropped, hh.reported_at FROM host_health hh JOIN hosts h ON h.id = hh.host_id
                WHERE h.\(Self.enrolled) AND (hh.events_lost > 0 OR hh.outputs_dropped > 0)
                ORDER BY hh.events_lost + hh.outputs_dropped DESC, h.id LIMIT ?
                """, [.integer(Int64(limit))]).map {
                HostLosses(hostID: $0[0].integer ?? 0, hostname: $0[1].text ?? "", hostIdentifier: $0[2].text ?? "", eventsLost: $0[3].integer ?? 0,
                           outputsDropped: $0[4].integer ?? 0, reportedAt: $0[5].integer ?? 0)
            }
            return (totals?[0].integer ?? 0, totals?[1].integer ?? 0, hosts)
        }
    }

    public func storeServerSample(server: String, time: Int64, cpuPercent: Double, residentBytes: Int64, keepSeconds: Int64) async throws {
        try await engine.write { db in
            try await db.run("""
                INSERT INTO server_samples(server, time, cpu_percent, resident_size) VALUES (?, ?, ?, ?)
                ON CONFLICT(server, time) DO UPDATE SET cpu_percent = excluded.cpu_percent, resident_size = excluded.resident_size
                """, [.text(server), .integer(time), .double(cpuPercent), .integer(residentBytes)])
            // On the primary key's range: this server's oldest samples only.
            try await db.run("DELETE FROM server_samples WHERE server = ? AND time < ?", [.text(server), .integer(time - keepSeconds)])
        }
    }

    public func serverSamples(server: String, since: Int64) async throws -> [TelemetryPoint] {
        try await engine.read { db in
            try await db.rows("SELECT time, cpu_percent, resident_size FROM server_samples WHERE server = ? AND time >= ? ORDER BY time",
                              [.text(server), .integer(since)]).map {
                TelemetryPoint(time: $0[0].integer ?? 0, cpuPercent: $0[1].double ?? 0, residentBytes: $0[2].integer ?? 0, threads: 0, queriesRun: 0)
            }
        }
    }
}
