import Foundation
import Hummingbird
import VigilServerStore
import VigilWebUI
import VigilWire

/// Scheduled queries: the config's `schedule` (every host) and each pack's `queries`
/// (the hosts of the pack's labels), edited in place in the JSON the hosts get, so what
/// is listed is exactly what agents run. The web UI's forms and these routes share the
/// checks: a name, SQL that checks against the schemas, an interval, a shard.
extension APIEndpoints {
    /// Longest interval: a week (osquery takes any; a longer one is almost surely a typo).
    static let maxInterval = 7 * 86_400

    var scheduleRoutes: [APIRoute] {
        [
            APIRoute(method: .get, path: "/api/v1/schedule", summary: "Every scheduled query: the config's schedule and each pack's queries, with their targets", role: .observer) { _, _ in
                try await listSchedule()
            },
            APIRoute(method: .put, path: "/api/v1/schedule/{name}", summary: "Add or replace a scheduled query (in the config's schedule, or in `pack`)", role: .admin,
                     body: "{\"query\": string, \"interval\": int, \"snapshot\": bool, \"shard\": int, \"pack\": string}") { r, c in try await putScheduled(r, c) },
            APIRoute(method: .delete, path: "/api/v1/schedule/{name}", summary: "Delete a scheduled query (from the config's schedule, or from `pack`)", role: .admin,
                     query: ["pack"]) { r, c in
                try await deleteScheduledQuery(name: c.parameters.get("name") ?? "", pack: r.uri.queryParameters.get("pack"))
                return HTTPJSON.response(["deleted": true])
            },
            APIRoute(method: .post, path: "/api/v1/queries/check", summary: "Check SQL against the tables' schemas without running it: errors (refused) and warnings", role: .observer,
                     body: "{\"sql\": string}") { r, _ in
                struct Body: Decodable { var sql: String }
                let sql = try await HTTPJSON.decode(Body.self, r).sql
                guard sql.utf8.count <= Self.maxSQLBytes else { throw HTTPError(.badRequest, message: "sql is over \(Self.maxSQLBytes) bytes") }
                return HTTPJSON.response(SchemaCheck.check(sql))
            },
        ]
    }

    func listSchedule() async throws -> Response {
        let all = try await scheduledQueries().map { q -> JSONValue in
            var o: [String: JSONValue] = ["name": .string(q.name), "query": .string(q.query), "interval": .integer(Int64(q.interval)),
                                          "snapshot": .bool(q.snapshot), "labels": .array(q.labels.map(JSONValue.string))]
            if let shard = q.shard { o["shard"] = .integer(Int64(shard)) }
            if let pack = q.pack { o["pack"] = .string(pack) }
            return .object(o)
        }
        return HTTPJSON.response(["queries": JSONValue.array(all)])
    }

    func putScheduled(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        struct Body: Decodable { var query: String; var interval: Int; var snapshot: Bool?; var shard: Int?; var pack: String? }
        let body = try await HTTPJSON.decode(Body.self, request)
        let name = context.parameters.get("name") ?? ""
        let query = ScheduledQuery(name: name, query: body.query, interval: body.interval, snapshot: body.snapshot ?? false, shard: body.shard, pack: body.pack)
        let existing = try await scheduledQueries().contains { $0.name == name && $0.pack == body.pack }
        try await saveScheduledQuery(query, replacing: existing ? (name, body.pack) : nil)
        return HTTPJSON.response(["saved": true])
    }

    /// The config as an object (the default config when none was set).
    func configObject() async throws -> [String: JSONValue] {
        let text = try await fleet.store.setting("config") ?? ServerDefaults.config
        return (try? WireCoding.decode(JSONValue.self, from: Data(text.utf8)))?.object ?? [:]
    }

    static func scheduled(_ name: String, _ entry: JSONValue, pack: String?, labels: [String], packShard: Int?) -> ScheduledQuery {
        ScheduledQuery(name: name, query: entry["query"]?.text ?? "", interval: Int(entry["interval"]?.text ?? "") ?? 0,
                       snapshot: entry["snapshot"] == .bool(true) || entry["snapshot"]?.text == "true",
                       shard: entry["shard"].flatMap { Int($0.text) } ?? packShard, pack: pack, labels: labels)
    }

    func scheduledQueries() async throws -> [ScheduledQuery] {
        var out = (try await configObject()["schedule"]?.object ?? [:]).sorted { $0.key < $1.key }.map {
            Self.scheduled($0.key, $0.value, pack: nil, labels: [], packShard: nil)
        }
        let names = Dictionary(uniqueKeysWithValues: try await fleet.store.labels().map { ($0.id, $0.name) })
        for pack in try await fleet.store.packs() {
            let body = (try? WireCoding.decode(JSONValue.self, from: Data(pack.body.utf8))) ?? .object([:])
            let labels = pack.labelIDs.compactMap { names[$0] }.sorted()
            for (name, entry) in (body["queries"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
                out.append(Self.scheduled(name, entry, pack: pack.name, labels: labels, packShard: body["shard"].flatMap { Int($0.text) }))
            }
        }
        return out
    }

    /// Check a scheduled query; the error says which field is wrong and how.
    static func check(_ q: ScheduledQuery) throws {
        try checkName(q.name)
        try checkSQL(q.query)
        guard (1...maxInterval).contains(q.interval) else {
            throw HTTPError(.badRequest, message: "interval is a number of seconds from 1 to \(maxInterval) (a week), not \(q.interval)")
        }
        if let shard = q.shard, !(1...100).contains(shard) { throw HTTPError(.badRequest, message: "shard is a percentage from 1 to 100, not \(shard)") }
    }

    static func entry(_ q: ScheduledQuery) -> JSONValue {
        var o: [String: JSONValue] = ["query": .string(q.query), "interval": .integer(Int64(q.interval)), "snapshot": .bool(q.snapshot)]
        if let shard = q.shard { o["shard"] = .integer(Int64(shard)) }
        return .object(o)
    }

    func saveScheduledQuery(_ q: ScheduledQuery, replacing: (name: String, pack: String?)?) async throws {
        try Self.check(q)
        let all = try await scheduledQueries()
        let isSelf = { (other: ScheduledQuery) in replacing.map { other.name == $0.name && other.pack == $0.pack } ?? false }
        if all.contains(where: { $0.name == q.name && $0.pack == q.pack && !isSelf($0) }) {
            throw HTTPError(.conflict, message: "a scheduled query named \(q.name) is already in \(q.pack.map { "pack \($0)" } ?? "the schedule")")
        }
        if let pack = q.pack, try await fleet.store.packs().first(where: { $0.name == pack }) == nil {
            throw HTTPError(.badRequest, message: "unknown pack \(pack.prefix(100))")
        }
        if let old = replacing {
            guard all.contains(where: isSelf) else { throw HTTPError(.notFound, message: "no scheduled query \(old.name.prefix(100)) to edit") }
            try await editEntries(pack: old.pack) { $0[old.name] = nil }
        }
        try await editEntries(pack: q.pack) { $0[q.name] = Self.entry(q) }
    }

    func deleteScheduledQuery(name: String, pack: String?) async throws {
        var found = false
        try await editEntries(pack: pack) { found = $0.removeValue(forKey: name) != nil }
        guard found else { throw HTTPError(.notFound, message: "no scheduled query \(name.prefix(100)) in \(pack.map { "pack \($0.prefix(100))" } ?? "the schedule")") }
    }

    /// Change the schedule's entries (pack nil) or a pack's, and store the result.
    func editEntries(pack: String?, _ change: (inout [String: JSONValue]) -> Void) async throws {
        if let pack {
            guard var record = try await fleet.store.packs().first(where: { $0.name == pack }) else {
                throw HTTPError(.notFound, message: "unknown pack \(pack.prefix(100))")
            }
            var body = (try? WireCoding.decode(JSONValue.self, from: Data(record.body.utf8)))?.object ?? [:]
            var queries = body["queries"]?.object ?? [:]
            change(&queries)
            body["queries"] = .object(queries)
            record.body = try WireCoding.encodeString(JSONValue.object(body))
            _ = try await fleet.store.updatePack(record)
        } else {
            var config = try await configObject()
            var schedule = config["schedule"]?.object ?? [:]
            change(&schedule)
            config["schedule"] = .object(schedule)
            try await fleet.store.setSetting("config", try WireCoding.encodeString(JSONValue.object(config)))
        }
    }
}
