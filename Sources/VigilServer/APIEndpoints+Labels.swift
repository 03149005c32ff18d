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
            APIRoute(method: .put, path: "/api/v1/labels/{id}", summary: "Change a label's description and query (dynamic) or hosts (manual)", role: .admin,
                     body: "{\"description\": string, \"query\": string, \"host_identifiers\": [string]}") { r, c in try await putLabel(r, c) },
            APIRoute(method: .put, path: "/api/v1/packs/{id}", summary: "Rename a pack or change its labels and shard (its queries: /api/v1/schedule)", role: .admin,
                     body: "{\"name\": string, \"labels\": [string], \"shard\": int}") { r, c in try await putPack(r, c) },
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
        guard (body.query == nil) != (body.hostIdentifiers == nil) else {
            throw HTTPError(.badRequest, message: "give either query (a dynamic label) or host_identifiers (a manual one)")
        }
        let label = try await createLabel(name: body.name, description: body.description ?? "", query: body.query, hosts: body.hostIdentifiers ?? [])
        return HTTPJSON.response(["label": label])
    }

    /// The checks and the write behind both the API's and the web UI's new labels.
    @discardableResult
    func createLabel(name: String, description: String, query: String?, hosts: [String]) async throws -> LabelRecord {
        try Self.checkName(name)
        guard description.utf8.count <= 1024 else { throw HTTPError(.badRequest, message: "a description is at most 1024 bytes") }
        if try await fleet.store.labels().contains(where: { $0.name == name }) { throw HTTPError(.conflict, message: "a label named \(name) exists") }
        if let query { try Self.checkSQL(query) }
        let members = try await resolveHosts(query == nil ? hosts : [])
        return try await fleet.store.createLabel(LabelRecord(name: name, description: description, query: query), members: members)
    }

    func putLabel(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        struct Body: Decodable {
            var description: String?
            var query: String?
            var hostIdentifiers: [String]?
            enum CodingKeys: String, CodingKey { case description, query, hostIdentifiers = "host_identifiers" }
        }
        let body = try await HTTPJSON.decode(Body.self, request)
        try await updateLabel(id: try Self.id(context), description: body.description ?? "", query: body.query, hosts: body.hostIdentifiers ?? [])
        return HTTPJSON.response(["saved": true])
    }

    /// A label stays what it was made as: a dynamic one keeps a query, a manual one its hosts.
    func updateLabel(id: Int64, description: String, query: String?, hosts: [String]) async throws {
        guard let label = try await fleet.store.labels().first(where: { $0.id == id }) else { throw HTTPError(.notFound, message: "no such label") }
        guard description.utf8.count <= 1024 else { throw HTTPError(.badRequest, message: "a description is at most 1024 bytes") }
        if label.query != nil {
            guard let query else { throw HTTPError(.badRequest, message: "\(label.name) is a dynamic label: give its query") }
            try Self.checkSQL(query)
        } else if query != nil {
            throw HTTPError(.badRequest, message: "\(label.name) is a manual label: give its host_identifiers, not a query")
        }
        let members = label.query == nil ? try await resolveHosts(hosts) : nil
        _ = try await fleet.store.updateLabel(LabelRecord(id: id, name: label.name, description: description, query: label.query == nil ? nil : query), members: members)
    }

    /// Host ids for identifiers; an unknown one is an error that names it.
    func resolveHosts(_ names: [String]) async throws -> [Int64] {
        let known = try await fleet.store.hostIDsByIdentifier(names)
        return try names.map { name in
            guard let id = known[name] else { throw HTTPError(.badRequest, message: "unknown host_identifier \(name.prefix(100))") }
            return id
        }
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

    func putPack(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        struct Body: Decodable { var name: String; var labels: [String]?; var shard: Int? }
        let body = try await HTTPJSON.decode(Body.self, request)
        try await savePack(id: try Self.id(context), name: body.name, labels: body.labels ?? [], shard: body.shard)
        return HTTPJSON.response(["saved": true])
    }

    /// A new pack (id nil, no queries yet) or a changed one (its queries kept): the web UI's
    /// pack form and PUT /api/v1/packs/{id}.
    func savePack(id: Int64?, name: String, labels: [String], shard: Int?) async throws {
        try Self.checkName(name)
        if let shard, !(1...100).contains(shard) { throw HTTPError(.badRequest, message: "shard is a percentage from 1 to 100, not \(shard)") }
        let packs = try await fleet.store.packs()
        if packs.contains(where: { $0.name == name && $0.id != id }) { throw HTTPError(.conflict, message: "a pack named \(name) exists") }
        let labelIDs = try await resolveLabels(labels)
        var body: [String: JSONValue] = ["queries": .object([:])]
        if let id {
            guard let old = packs.first(where: { $0.id == id }) else { throw HTTPError(.notFound, message: "no such pack") }
            body = (try? WireCoding.decode(JSONValue.self, from: Data(old.body.utf8)))?.object ?? body
        }
        body["shard"] = shard.map { .integer(Int64($0)) }
        let record = PackRecord(id: id ?? 0, name: name, body: try WireCoding.encodeString(JSONValue.object(body)), labelIDs: labelIDs)
        if id == nil { _ = try await fleet.store.createPack(record) } else { _ = try await fleet.store.updatePack(record) }
    }

    /// SQL that goes to agents: bounded, without a NUL (SQLite's parser would stop there,
    /// and agents would run other SQL than was shown), and checked against the tables'
    /// schemas (its warnings, such as a table only osquery has, do not refuse it).
    @discardableResult
    static func checkSQL(_ sql: String) throws -> SchemaCheck.Outcome {
        guard !sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw HTTPError(.badRequest, message: "sql is empty") }
        guard sql.utf8.count <= maxSQLBytes else { throw HTTPError(.badRequest, message: "sql is over \(maxSQLBytes) bytes") }
        guard !sql.utf8.contains(0) else { throw HTTPError(.badRequest, message: "sql contains a NUL byte") }
        let outcome = SchemaCheck.check(sql)
        if let error = outcome.errors.first {
            throw HTTPError(.badRequest, message: "the SQL does not check against the tables' schemas: \(error.message)" + (error.offset.map { " (at byte \($0))" } ?? ""))
        }
        return outcome
    }
}
