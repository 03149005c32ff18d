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
        fleet.otlp?.stored(telemetry: points, host: host)
        return HTTPJSON.raw(OsqueryEndpoints.ack)
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
            APIRoute(method: .get, path: "/api/v1/queries/performance", summary: "Each scheduled query's cost across the hosts that run it: percentiles (over at most 5,000 sampled hosts) and maxima of wall time, CPU, memory and output per execution, and how many hosts denylisted it",
                     role: .observer) { _, _ in try await performance() },
        ]
    }

    func hostTelemetry(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let id = try Self.id(context)
        try await requireHost(id)
        let since = try Self.integer(request, "since", in: 0...Int64.max, default: FleetContext.now() - 86_400)
        return HTTPJSON.response(["points": try await fleet.store.telemetry(hostID: id, since: since)])
    }

    func hostHealth(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
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
        func summary(_ p: QueryPerformance.Percentiles) -> JSONValue {
            .object(["p50": .double(p.p50), "p95": .double(p.p95), "p99": .double(p.p99), "max": .double(p.max)])
        }
        let queries = try await fleet.store.queryPerformance().map { q -> JSONValue in
            .object([
                "name": .string(q.name),
                "query": .string(q.query),
                "hosts": .integer(Int64(q.hosts)),
                "executions": .integer(q.executions),
                "denylisted_hosts": .integer(Int64(q.denylistedHosts)),
                "hosts_with_errors": .integer(Int64(q.hostsWithErrors)),
                "sampled_hosts": .integer(Int64(q.sampledHosts)),
                "wall_time_ms": summary(q.wallTimeMs),
                "cpu_time_ms": summary(q.cpuPerRunMs),
                "memory_bytes": summary(q.memoryBytes),
                "output_bytes": summary(q.outputBytes),
            ])
        }
        return HTTPJSON.response(["queries": JSONValue.array(queries)])
    }
}
