import Foundation
import VigilSQL

extension SQLServerStore {
    public func storeTelemetry(hostID: Int64, points: [TelemetryPoint], schedule: [HostQueryStats], watchdog: [String],
                               events: String, outputs: String, at time: Int64) async throws {
        try await engine.write { db in
                // 200 points a statement: an agent back after a day offline sends 8,640, and a
                // round trip each outlasted the store's 10 s bound on a loaded PostgreSQL.
                // (A point repeated within one report keeps its last values either way.)
                let unique = Dictionary(points.map { ($0.time, $0) }, uniquingKeysWith: { _, last in last }).values.sorted { $0.time < $1.time }
                for start in stride(from: 0, to: unique.count, by: 200) {
                    let chunk = unique[start..<min(start + 200, unique.count)]
                    try await db.run("INSERT INTO telemetry(host_id, time, resolution, cpu_percent, resident_size, threads, queries_run) VALUES "
                               + Array(repeating: "(?, ?, 10, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
                               + " ON CONFLICT(host_id, resolution, time) DO UPDATE SET cpu_percent = excluded.cpu_percent, resident_size = excluded.resident_size, "
                               + "threads = excluded.threads, queries_run = excluded.queries_run",
                               chunk.flatMap { p -> [SQLValue] in
                                   [.integer(hostID), .integer(p.time), .double(p.cpuPercent), .integer(p.residentBytes), .integer(p.threads), .integer(p.queriesRun)]
                               })
                }
                try await db.run("DELETE FROM host_schedule WHERE host_id = ?", [.integer(hostID)])
                // A few statements per report, not one per query (a round trip each on PostgreSQL:
                // a telemetry report every 10 s per agent made these its most frequent statement).
                for start in stride(from: 0, to: schedule.count, by: 50) {
                    let chunk = schedule[start..<min(start + 50, schedule.count)]
                    try await db.run("""
                        INSERT INTO host_schedule(host_id, name, query, interval, executions, wall_time_ms, user_time, system_time,
                          average_memory, output_size, denylisted, last_wall_time_ms, errors) VALUES
                        """ + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
                        + " ON CONFLICT(host_id, name) DO NOTHING",
                        chunk.flatMap { q -> [SQLValue] in
                            [.integer(hostID), .text(q.name), .text(q.query), .integer(q.interval), .integer(q.executions), .integer(q.wallTimeMs),
                             .integer(q.userTimeMs), .integer(q.systemTimeMs), .integer(q.averageMemory), .integer(q.outputSize),
                             .integer(q.denylisted ? 1 : 0), .integer(q.lastWallTimeMs), .integer(q.errors)]
                        })
                }
                for event in watchdog {
                    try await db.run("INSERT INTO host_watchdog(host_id, time, event) VALUES (?, ?, ?)", [.integer(hostID), .integer(time), .text(event)])
                }
                try await db.run("INSERT INTO host_health(host_id, reported_at, events, outputs, events_lost, outputs_dropped) VALUES (?, ?, ?, ?, ?, ?) "
                               + "ON CONFLICT(host_id) DO UPDATE SET reported_at = excluded.reported_at, events = excluded.events, outputs = excluded.outputs, "
                               + "events_lost = excluded.events_lost, outputs_dropped = excluded.outputs_dropped",
                           [.integer(hostID), .integer(time), .text(events), .text(outputs),
                            .integer(Self.sum(events, ["lost_in_kernel", "dropped_overflow"])), .integer(Self.sum(outputs, ["dropped_records"]))])
        }
    }

    /// The sum of these columns over the rows of a vigil_events or vigil_outputs report
    /// (a JSON array of objects whose values are strings, as osquery sends them).
    static func sum(_ json: String, _ columns: [String]) -> Int64 {
        guard let rows = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else { return 0 }
        return rows.reduce(0) { total, row in total + columns.reduce(0) { $0 + (Int64("\(row[$1] ?? 0)") ?? 0) } }
    }

    public func telemetry(hostID: Int64, since: Int64) async throws -> [TelemetryPoint] {
        try await engine.read { db in
            try await db.rows("""
                SELECT time, cpu_percent, resident_size, threads, queries_run FROM telemetry
                WHERE host_id = ? AND time >= ? ORDER BY time
                """, [.integer(hostID), .integer(since)]).map {
                TelemetryPoint(time: $0[0].integer ?? 0, cpuPercent: $0[1].double ?? 0, residentBytes: $0[2].integer ?? 0,
                               threads: $0[3].integer ?? 0, queriesRun: $0[4].integer ?? 0)
            }
        }
    }

    static let scheduleColumns = "name, query, interval, executions, wall_time_ms, user_time, system_time, average_memory, output_size, denylisted, last_wall_time_ms, errors"

    static func stats(_ r: ArraySlice<SQLValue>) -> HostQueryStats {
        let v = Array(r)
        return HostQueryStats(name: v[0].text ?? "", query: v[1].text ?? "", interval: v[2].integer ?? 0, executions: v[3].integer ?? 0,
                              wallTimeMs: v[4].integer ?? 0, userTimeMs: v[5].integer ?? 0, systemTimeMs: v[6].integer ?? 0,
                              averageMemory: v[7].integer ?? 0, outputSize: v[8].integer ?? 0, denylisted: (v[9].integer ?? 0) != 0,
                              lastWallTimeMs: v[10].integer ?? 0, errors: v[11].integer ?? 0)
    }

    public func hostSchedule(hostID: Int64) async throws -> [HostQueryStats] {
        try await engine.read { db in
            try await db.rows("SELECT \(Self.scheduleColumns) FROM host_schedule WHERE host_id = ? ORDER BY name", [.integer(hostID)]).map { Self.stats($0[...]) }
        }
    }

    public func hostWatchdog(hostID: Int64, limit: Int) async throws -> [String] {
        try await engine.read { db in
            try await db.rows("SELECT event FROM host_watchdog WHERE host_id = ? ORDER BY id DESC LIMIT ?", [.integer(hostID), .integer(Int64(limit))]).compactMap { $0[0].text }
        }
    }

    public func hostHealth(hostID: Int64) async throws -> HostHealth? {
        try await engine.read { db in
            try await db.rows("SELECT reported_at, events, outputs FROM host_health WHERE host_id = ?", [.integer(hostID)]).first.map {
                HostHealth(reportedAt: $0[0].integer ?? 0, events: $0[1].text ?? "[]", outputs: $0[2].text ?? "[]")
            }
        }
    }

    public func downsampleTelemetry(before: Int64, dropBefore: Int64) async throws {
        try await engine.write { db in
            // 10 s points older than a day become one point per host and 5 minutes.
            try await db.run("""
                INSERT INTO telemetry(host_id, time, resolution, cpu_percent, resident_size, threads, queries_run)
                SELECT host_id, (time / 300) * 300, 300, CAST(avg(cpu_percent) AS DOUBLE PRECISION), CAST(round(avg(resident_size)) AS BIGINT),
                  max(threads), max(queries_run)
                FROM telemetry WHERE resolution = 10 AND time < ? GROUP BY host_id, time / 300
                ON CONFLICT(host_id, resolution, time) DO UPDATE SET cpu_percent = excluded.cpu_percent,
                  resident_size = excluded.resident_size, threads = excluded.threads, queries_run = excluded.queries_run
                """, [.integer(before)])
            try await db.run("DELETE FROM telemetry WHERE resolution = 10 AND time < ?", [.integer(before)])
            try await db.run("DELETE FROM telemetry WHERE time < ?", [.integer(dropBefore)])
            try await db.run("DELETE FROM host_watchdog WHERE time < ?", [.integer(dropBefore)])
        }
    }
}
