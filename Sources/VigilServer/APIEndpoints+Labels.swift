import Foundation
import Hummingbird
import VigilServerStore
import VigilWire

/// Labels (host groups) and packs (scheduled queries aimed at labels).
extension APIEndpoints {
    var labelRoutes: [APIRoute] {
        [
            APIRoute(method: .get, path: "/api/v1/labels", summary: "Labels with their host counts", role: .observer) { _, _ in try await listLabels() },
            APIRoute(method: .post, path: "/api/v1/labels", summary: "A dynamic label (hosts run its query) or a manual one (the hosts named)", role: .admin,
                     body: "{\"name\": string, \"description\": string, \"query\": string, \"host_identifiers\": [string]}") { r, _ in try await createLabel(r) },
            APIRoute(method: .delete, path: "/api/v1/labels/{id}", summary: "Delete a label", role: .admin) { _, c in
                guard try await fleet.store.deleteLabel(id: try Self.id(c)) else { return HTTPJSON.error(.notFound, "no such label") }
                return HTTPJSON.response(["deleted": true])
            },
            APIRoute(method: .get, path: "/api/v1/packs", summary: "Packs with the labels they go to", role: .observer) { _, _ in try await listPacks() },
            APIRoute(method: .post, path: "/api/v1/packs", summary: "A pack (osquery's pack JSON: queries, discovery, shard) for the hosts of some labels, or of all", role: .admin,
                     body: "{\"name\": string, \"pack\": object, \"labels\": [string]}") { r, _ in try await createPack(r) },
            APIRoute(method: .delete, path: "/api/v1/packs/{id}", summary: "Delete a pack", role: .admin) { _, c in
                guard try await fleet.store.deletePack(id: try Self.id(c)) else { return HTTPJSON.error(.notFound, "no such pack") }
                return HTTPJSON.response(["deleted": true])
            },
        ]
    }

    static func checkName(_ name: String) throws {
        guard (1...128).contains(name.utf8.count), name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else {
            throw HTTPError(.badRequest, message: "a name is 1 to 128 letters, digits, _, - or .")
        }
    }

    func listLabels() async throws -> Response {
        HTTPJSON.response(["labels": try await fleet.store.labels()])
    }

    func createLabel(_ request: Request) async throws -> Response {
        struct Body: Decodable {
            var name: String
            var description: String?
            var query: String?
            var hostIdentifiers: [String]?
            enum CodingKeys: String, CodingKey { case name, description, query, hostIdentifiers = "host_identifiers" }
        }
        let body = try await HTTPJSON.decode(Body.self, request)
        try Self.checkName(body.name)
        if try await fleet.store.labels().contains(where: { $0.name == body.name }) { throw HTTPError(.conflict, message: "a label named \(body.name) exists") }
        guard (body.query == nil) != (body.hostIdentifiers == nil) else {
            throw HTTPError(.badRequest, message: "give either query (a dynamic label) or host_identifiers (a manual one)")
        }
        if let sql = body.query { try Self.checkSQL(sql) }
        let members = try await resolveHosts(body.hostIdentifiers ?? [])
        let label = try await fleet.store.createLabel(LabelRecord(name: body.name, description: body.description ?? "", query: body.query), members: members)
        return HTTPJSON.response(["label": label])
    }

    /// Host ids for identifiers; an unknown one is an error that names it.
    func resolveHosts(_ names: [String]) async throws -> [Int64] {
        var ids: [Int64] = []
        for name in names {
            guard let id = try await fleet.store.hostIDs(identifiers: [name]).first else {
                throw HTTPError(.badRequest, message: "unknown host_identifier \(name.prefix(100))")
            }
            ids.append(id)
        }
        return ids
    }

    /// Label ids for names; an unknown one is an error that names it.
    func resolveLabels(_ names: [String]) async throws -> [Int64] {
        let all = try await fleet.store.labels()
        return try names.map { name in
            guard let label = all.first(where: { $0.name == name }) else { throw HTTPError(.badRequest, message: "unknown label \(name.prefix(100))") }
            return label.id
        }
    }

    func listPacks() async throws -> Response {
        let labels = Dictionary(uniqueKeysWithValues: try await fleet.store.labels().map { ($0.id, $0.name) })
        let packs = try await fleet.store.packs().map { p -> JSONValue in
            .object(["id": .integer(p.id), "name": .string(p.name),
                     "pack": (try? WireCoding.decode(JSONValue.self, from: Data(p.body.utf8))) ?? .null,
                     "labels": .array(p.labelIDs.compactMap { labels[$0] }.map(JSONValue.string))])
        }
        return HTTPJSON.response(["packs": JSONValue.array(packs)])
    }

    func createPack(_ request: Request) async throws -> Response {
        struct Body: Decodable {
            var name: String
            var pack: JSONValue
            var labels: [String]?
        }
        let body = try await HTTPJSON.decode(Body.self, request)
        try Self.checkName(body.name)
        guard case .object(let pack) = body.pack, case .object(let queries)? = pack["queries"], !queries.isEmpty else {
            throw HTTPError(.badRequest, message: "pack must be an osquery pack: an object with queries {name: {query, interval}}")
        }
        for (name, q) in queries {
            guard let sql = q["query"]?.string else { throw HTTPError(.badRequest, message: "pack query \(name.prefix(60)) has no query") }
            try Self.checkSQL(sql)
        }
        if let shard = pack["shard"], !(1...100).contains(Int(shard.text) ?? 0) {
            throw HTTPError(.badRequest, message: "shard is a percentage from 1 to 100")
        }
        if try await fleet.store.packs().contains(where: { $0.name == body.name }) { throw HTTPError(.conflict, message: "a pack named \(body.name) exists") }
        let labelIDs = try await resolveLabels(body.labels ?? [])
        let record = try await fleet.store.createPack(PackRecord(name: body.name, body: try WireCoding.encodeString(body.pack), labelIDs: labelIDs))
        return HTTPJSON.response(["id": record.id])
    }

    /// SQL that goes to agents: bounded, and without a NUL (SQLite's parser would stop
    /// there, and agents would run other SQL than was shown).
    static func checkSQL(_ sql: String) throws {
        guard !sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw HTTPError(.badRequest, message: "sql is empty") }
        guard sql.utf8.count <= maxSQLBytes else { throw HTTPError(.badRequest, message: "sql is over \(maxSQLBytes) bytes") }
        guard !sql.utf8.contains(0) else { throw HTTPError(.badRequest, message: "sql contains a NUL byte") }
    }
}
