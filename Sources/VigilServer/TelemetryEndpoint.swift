import Foundation
import Hummingbird
import VigilServerStore
import VigilWire

/// Vigil's telemetry report: an agent's own cost and health every 10 s.
extension OsqueryEndpoints {
    /// Most rows of one table in one report (a day of 10 s points is 8,640).
    static let maxTelemetryRows = 10_000

    func telemetry(_ request: Request) async throws -> Response {
        let body = try await HTTPJSON.decode(TelemetryRequest.self, request)
        guard let host = try await authenticate(body.nodeKey) else { return Self.invalid("unknown node key") }
        for (name, rows) in body.tables where rows.count > Self.maxTelemetryRows {
            throw HTTPError(.badRequest, message: "\(name.prefix(40)) has \(rows.count) rows, over \(Self.maxTelemetryRows)")
        }
        func int(_ row: [String: String], _ key: String) -> Int64 { Int64(row[key] ?? "") ?? 0 }
        let points = (body.tables["vigil_telemetry"] ?? []).map {
            TelemetryPoint(time: int($0, "time"), cpuPercent: Double($0["cpu_percent"] ?? "") ?? 0, residentBytes: int($0, "resident_size"),
                           threads: int($0, "threads"), queriesRun: int($0, "queries_run"))
        }
        let schedule = (body.tables["vigil_schedule"] ?? []).map {
            HostQueryStats(name: $0["name"] ?? "", query: $0["query"] ?? "", interval: int($0, "interval"), executions: int($0, "executions"),
                           wallTimeMs: int($0, "wall_time_ms"), userTimeMs: int($0, "user_time"), systemTimeMs: int($0, "system_time"),
                           averageMemory: int($0, "average_memory"), outputSize: int($0, "output_size"), denylisted: int($0, "denylisted") != 0,
                           lastWallTimeMs: int($0, "last_wall_time_ms"), errors: int($0, "errors"))
        }
        let watchdog = try (body.tables["vigil_watchdog"] ?? []).map { try WireCoding.encodeString($0) }
        let events = try WireCoding.encodeString(body.tables["vigil_events"] ?? [])
        let outputs = try WireCoding.encodeString(body.tables["vigil_outputs"] ?? [])
        try await fleet.store.storeTelemetry(hostID: host.id, points: points, schedule: schedule, watchdog: watchdog,
                                             events: events, outputs: outputs, at: FleetContext.now())
        return HTTPJSON.response(AckResponse())
    }
}

/// Telemetry and fleet-wide query cost in the REST API.
extension APIEndpoints {
    var telemetryRoutes: [APIRoute] {
        [
            APIRoute(method: .get, path: "/api/v1/hosts/{id}/telemetry", summary: "The agent's own CPU and memory over time (10 s points for a day, 5-minute averages for 30 days)",
                     role: .observer, query: ["since"]) { r, c in try await hostTelemetry(r, c) },
            APIRoute(method: .get, path: "/api/v1/hosts/{id}/health", summary: "The agent's schedule costs, watchdog events, event and output counters",
                     role: .observer) { r, c in try await hostHealth(r, c) },
            APIRoute(method: .get, path: "/api/v1/queries/performance", summary: "Each scheduled query's cost across the hosts that run it: percentiles of wall time, CPU, memory and output per execution, and how many hosts denylisted it",
                     role: .observer) { _, _ in try await performance() },
        ]
    }

    func hostTelemetry(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let since = request.uri.queryParameters.get("since").flatMap { Int64($0) } ?? FleetContext.now() - 86_400
        return HTTPJSON.response(["points": try await fleet.store.telemetry(hostID: id, since: since)])
    }

    func hostHealth(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard try await fleet.store.host(id: id) != nil else { return HTTPJSON.error(.notFound, "no such host") }
        let health = try await fleet.store.hostHealth(hostID: id)
        func json(_ text: String?) -> JSONValue { text.flatMap { try? WireCoding.decode(JSONValue.self, from: Data($0.utf8)) } ?? .array([]) }
        let schedule = try await fleet.store.hostSchedule(hostID: id)
        let watchdog = try await fleet.store.hostWatchdog(hostID: id, limit: 100).map { json($0) }
        let scheduleJSON = try WireCoding.decode(JSONValue.self, from: WireCoding.encode(schedule))
        return HTTPJSON.response(JSONValue.object([
            "reported_at": health.map { .integer($0.reportedAt) } ?? .null,
            "schedule": scheduleJSON,
            "watchdog": .array(watchdog),
            "events": json(health?.events),
            "outputs": json(health?.outputs),
        ]))
    }

    func performance() async throws -> Response {
        let all = try await fleet.store.allSchedules()
        let byName = Dictionary(grouping: all, by: { $0.stats.name })
        var queries: [JSONValue] = []
        for (name, entries) in byName.sorted(by: { $0.key < $1.key }) {
            let ran = entries.map(\.stats).filter { $0.executions > 0 }
            func per(_ value: (HostQueryStats) -> Int64) -> [Double] { ran.map { Double(value($0)) / Double($0.executions) } }
            func summary(_ values: [Double]) -> JSONValue {
                .object(["p50": .double(Percentiles.of(values, 50)), "p95": .double(Percentiles.of(values, 95)), "p99": .double(Percentiles.of(values, 99))])
            }
            queries.append(.object([
                "name": .string(name),
                "query": .string(entries.first?.stats.query ?? ""),
                "hosts": .integer(Int64(entries.count)),
                "executions": .integer(entries.reduce(0) { $0 + $1.stats.executions }),
                "denylisted_hosts": .integer(Int64(entries.filter(\.stats.denylisted).count)),
                "hosts_with_errors": .integer(Int64(entries.filter { $0.stats.errors > 0 }.count)),
                "wall_time_ms": summary(per(\.wallTimeMs)),
                "cpu_time_ms": summary(per { $0.userTimeMs + $0.systemTimeMs }),
                "memory_bytes": summary(ran.map { Double($0.averageMemory) }),
                "output_bytes": summary(per(\.outputSize)),
            ]))
        }
        return HTTPJSON.response(["queries": JSONValue.array(queries)])
    }
}

/// Percentiles across hosts: nearest rank on the sorted values (0 for none).
enum Percentiles {
    static func of(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, rank))]
    }
}
