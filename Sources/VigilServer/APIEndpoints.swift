import Foundation
import Hummingbird
import VigilServerStore
import VigilWire

/// The REST API under /api/v1: what the UI and scripts use. JSON in and out; bearer
/// tokens (`vigil server token create`, or POST /api/v1/login with the admin password).
struct APIEndpoints {
    let fleet: FleetContext
    let adminPasswordHash: String?
    /// A logged-in browser's role (the web UI's session cookie), for reads only.
    var sessionRole: (@Sendable (Request) async throws -> TokenRole?)? = nil

    var routes: [APIRoute] {
        [
            APIRoute(method: .post, path: "/api/v1/login", summary: "Exchange the admin password for an admin token", role: nil, body: "{\"password\": string}") { r, _ in try await login(r) },
            APIRoute(method: .get, path: "/api/v1/hosts", summary: "Hosts, by search text and status, paged", role: .observer,
                     query: ["query", "status", "label", "page", "per_page"]) { r, _ in try await hosts(r) },
            APIRoute(method: .get, path: "/api/v1/hosts/{id}", summary: "One host", role: .observer) { r, c in try await host(r, c) },
            APIRoute(method: .delete, path: "/api/v1/hosts/{id}", summary: "Forget a host: its node key stops working and it must enroll again", role: .admin) { r, c in try await deleteHost(r, c) },
            APIRoute(method: .post, path: "/api/v1/queries/run", summary: "Start a live query on hosts", role: .admin,
                     body: "{\"sql\": string, \"host_identifiers\": [string], \"labels\": [string]}") { r, _ in try await runQuery(r) },
            APIRoute(method: .get, path: "/api/v1/queries/run/{id}", summary: "A live query: each target's state and the rows so far", role: .observer,
                     query: ["max_rows", "max_targets"]) { r, c in try await campaign(r, c) },
            APIRoute(method: .get, path: "/api/v1/queries/run/{id}/stream", summary: "A live query as server-sent events: rows (after row `after`) and target states as they arrive", role: .observer,
                     query: ["after"]) { r, c in try await stream(r, c) },
            APIRoute(method: .get, path: "/api/v1/results", summary: "Stored result (or status) lines, by query name and host, paged", role: .observer,
                     query: ["name", "host_identifier", "log_type", "page", "per_page"]) { r, _ in try await results(r) },
            APIRoute(method: .get, path: "/api/v1/config", summary: "The osquery config every host gets", role: .observer) { _, _ in try await getConfig() },
            APIRoute(method: .put, path: "/api/v1/config", summary: "Replace the osquery config every host gets", role: .admin, body: "osquery config JSON") { r, _ in try await putConfig(r) },
            APIRoute(method: .get, path: "/api/v1/enroll_secrets", summary: "Enroll secrets", role: .admin) { _, _ in try await secrets() },
            APIRoute(method: .post, path: "/api/v1/enroll_secrets", summary: "Add an enroll secret (a random one when none is given)", role: .admin,
                     body: "{\"name\": string, \"secret\": string}") { r, _ in try await addSecret(r) },
            APIRoute(method: .delete, path: "/api/v1/enroll_secrets/{secret}", summary: "Revoke an enroll secret", role: .admin) { r, c in try await revokeSecret(r, c) },
        ] + telemetryRoutes + labelRoutes + scheduleRoutes + profileRoutes + healthRoutes + auditRoutes + statusRoutes
    }

    /// Every route, behind its token check; every change (anything but GET), and every
    /// refused attempt at one, written to the audit log with who asked. `healthOnly`: just
    /// the health checks and metrics (the agents' listener when the UI has its own).
    func register(on router: Router<FleetRequestContext>, healthOnly: Bool = false) {
        for route in healthOnly ? healthRoutes : routes {
            var guarded = route
            let audited = route.method != .get
            guarded.handler = { request, context in
                let note = AuditNote()
                var actor = "unknown"
                func record(_ status: HTTPResponse.Status) async {
                    guard audited else { return }
                    if route.path == "/api/v1/login" { actor = status == .ok ? "password" : "anonymous" }
                    await audit(AuditEntry(at: FleetContext.now(), actor: actor, source: context.remoteAddress?.ipAddress ?? "unknown",
                                           action: "\(route.method.rawValue.uppercased()) \(route.path)", target: request.uri.path,
                                           status: Int(status.code), detail: note.detail))
                }
                let response: Response
                switch try await authorize(request, route.role) {
                case .refused(let refusal, let who):
                    actor = who
                    response = refusal
                case .allowed(let who):
                    actor = who
                    do {
                        response = try await AuditNote.$current.withValue(note) { try await route.handler(request, context) }
                    } catch let error as HTTPError {
                        response = HTTPJSON.error(error.status, error.body ?? "\(error.status)")
                    } catch {
                        await record(.internalServerError)
                        throw error
                    }
                }
                await record(response.status)
                return response
            }
            router.add(guarded)
        }
        if !healthOnly { router.get("/api/openapi.json") { _, _ in HTTPJSON.response(OpenAPIDocument.make(routes)) } }
    }

    /// Writes an audit entry; a failure to is logged, and does not undo the change.
    func audit(_ entry: AuditEntry) async {
        do { try await fleet.store.addAudit(entry) } catch {
            fleet.logger.error("audit log: cannot record \(entry.action) by \(entry.actor): \(error)")
        }
    }

    enum Authorization {
        case allowed(actor: String)
        /// Refused; the actor is who was refused, when the token is known.
        case refused(Response, actor: String)
    }

    func authorize(_ request: Request, _ role: APIRoute.RequiredRole?) async throws -> Authorization {
        guard let role else { return .allowed(actor: "anonymous") }
        // A browser's session reads (the live query page follows its stream this way);
        // changes through the API always need a token, which no other site can make a
        // browser send.
        if request.headers[.authorization] == nil, request.method == .get, role == .observer,
           let sessionRole, let held = try await sessionRole(request) {
            return .allowed(actor: "session (\(held.rawValue))")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return .refused(HTTPJSON.error(.unauthorized, "an API token is needed: Authorization: Bearer TOKEN (vigil server token create, or POST /api/v1/login)"), actor: "anonymous")
        }
        guard let token = try await fleet.store.token(hash: Secrets.hash(String(header.dropFirst(7)))) else {
            return .refused(HTTPJSON.error(.unauthorized, "unknown API token"), actor: "unknown token")
        }
        let actor = "token:\(token.name) (\(token.role.rawValue))"
        if role == .admin && token.role != .admin { return .refused(HTTPJSON.error(.forbidden, "this needs an admin token; yours is an observer's"), actor: actor) }
        return .allowed(actor: actor)
    }

    // MARK: Login

    func login(_ request: Request) async throws -> Response {
        struct Body: Decodable { var password: String }
        let body = try await HTTPJSON.decode(Body.self, request)
        guard let adminPasswordHash, await Secrets.passwordMatches(body.password, stored: adminPasswordHash) else {
            return HTTPJSON.error(.unauthorized, "wrong password")
        }
        let token = Secrets.newKey()
        try await fleet.store.addToken(hash: Secrets.hash(token), role: .admin, name: "login", at: FleetContext.now())
        return HTTPJSON.response(["token": token, "role": "admin"])
    }

    // MARK: Hosts

    /// A host as the API shows it: its record and whether it is online.
    struct HostView: Encodable {
        var host: HostRecord
        var online: Bool
        enum CodingKeys: String, CodingKey { case status }
        func encode(to encoder: any Encoder) throws {
            try host.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(online ? "online" : "offline", forKey: .status)
        }
    }

    func view(_ host: HostRecord, now: Int64) -> HostView {
        HostView(host: host, online: now - host.lastSeen <= fleet.options.offlineAfterSeconds)
    }

    /// `page` and `per_page`. The page is bounded so that page × per_page cannot overflow
    /// (an unbounded page once crashed the server, found by the fuzzer).
    static func paging(_ request: Request) throws -> (limit: Int, offset: Int) {
        let perPage = try integer(request, "per_page", in: 1...1000, default: 100)
        let page = try integer(request, "page", in: 0...maxPage, default: 0)
        return (Int(perPage), Int(page * perPage))
    }

    static let maxPage: Int64 = 100_000_000

    /// 404 unless the host exists (a listing for a host that does not is not an empty list).
    func requireHost(_ id: Int64) async throws {
        guard try await fleet.store.host(id: id) != nil else { throw HTTPError(.notFound, message: "no such host") }
    }

    func hosts(_ request: Request) async throws -> Response {
        let (limit, offset) = try Self.paging(request)
        let q = request.uri.queryParameters
        let now = FleetContext.now(), threshold = now - fleet.options.offlineAfterSeconds
        var seenSince: Int64?, notSeenSince: Int64?
        switch q.get("status") {
        case nil, "": break
        case "online": seenSince = threshold
        case "offline": notSeenSince = threshold
        case let other?: throw HTTPError(.badRequest, message: "status must be online or offline, not '\(other.prefix(40))'")
        }
        var query = HostPageQuery(search: q.get("query"), seenSince: seenSince, notSeenSince: notSeenSince, limit: limit, offset: offset)
        // A label's hosts, filtered and paged by the database like the rest.
        if let label = q.get("label") { query.labelID = try await resolveLabels([label])[0] }
        let hosts = try await fleet.store.hosts(query)
        return HTTPJSON.response(["hosts": hosts.map { view($0, now: now) }])
    }

    /// An integer query parameter within `range`, or `fallback` when absent; anything
    /// else is refused with the parameter's name (never silently replaced by the default).
    static func integer(_ request: Request, _ name: String, in range: ClosedRange<Int64>, default fallback: Int64) throws -> Int64 {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int64(text), range.contains(value) else {
            throw HTTPError(.badRequest, message: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text.prefix(40))'")
        }
        return value
    }

    static func id(_ context: FleetRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.badRequest, message: "the id must be a number") }
        return id
    }

    func host(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let host = try await fleet.store.host(id: id) else { return HTTPJSON.error(.notFound, "no such host") }
        // The list's fields, plus what the detail queries keep current.
        var fields = (try? WireCoding.decode(JSONValue.self, from: WireCoding.encode(view(host, now: FleetContext.now()))))?.object ?? [:]
        if let extras = try await fleet.store.hostExtras(id: id) {
            fields["uptime_seconds"] = .integer(extras.uptimeSeconds)
            fields["interfaces"] = (try? WireCoding.decode(JSONValue.self, from: Data(extras.interfaces.utf8))) ?? .array([])
            fields["details_updated_at"] = .integer(extras.detailsUpdatedAt)
            let labels = Set(try await fleet.store.labelIDs(hostID: id))
            fields["labels"] = .array(try await fleet.store.labels().filter { labels.contains($0.id) }.map { .string($0.name) })
        }
        return HTTPJSON.response(["host": JSONValue.object(fields)])
    }

    func deleteHost(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        guard try await fleet.store.deleteHost(id: try Self.id(context)) else { return HTTPJSON.error(.notFound, "no such host") }
        return HTTPJSON.response(["deleted": true])
    }

    // MARK: Config and secrets

    func getConfig() async throws -> Response {
        HTTPJSON.raw(Data((try await fleet.store.setting("config") ?? ServerDefaults.config).utf8))
    }

    func putConfig(_ request: Request) async throws -> Response {
        let data = try await HTTPJSON.body(request, limit: 4 << 20)
        guard case .object = try? WireCoding.decode(JSONValue.self, from: data) else {
            throw HTTPError(.badRequest, message: "the config must be a JSON object (an osquery config)")
        }
        try await fleet.store.setSetting("config", String(decoding: data, as: UTF8.self))
        return HTTPJSON.response(["etag": Secrets.hash(String(decoding: data, as: UTF8.self))])
    }

    func secrets() async throws -> Response {
        let all = try await fleet.store.enrollSecrets()
        struct Secret: Encodable { var secret: String; var name: String; var revoked: Bool }
        return HTTPJSON.response(["secrets": all.map { Secret(secret: $0.secret, name: $0.name, revoked: $0.revoked) }])
    }

    func addSecret(_ request: Request) async throws -> Response {
        struct Body: Decodable { var name: String?; var secret: String? }
        let body = try await HTTPJSON.decode(Body.self, request)
        return HTTPJSON.response(["secret": try await addEnrollSecret(name: body.name ?? "", secret: body.secret)])
    }

    /// Add `secret`, or a random one; the web UI's settings add theirs here too.
    func addEnrollSecret(name: String, secret given: String?) async throws -> String {
        let secret = given ?? Secrets.newPassword()
        guard (16...256).contains(secret.utf8.count) else { throw HTTPError(.badRequest, message: "an enroll secret must be 16 to 256 bytes") }
        guard name.utf8.count <= 128 else { throw HTTPError(.badRequest, message: "a secret's name is at most 128 bytes") }
        try await fleet.store.addEnrollSecret(secret, name: name)
        return secret
    }

    func revokeSecret(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        guard let secret = context.parameters.get("secret"), try await fleet.store.revokeEnrollSecret(secret) else {
            return HTTPJSON.error(.notFound, "no such secret, or already revoked")
        }
        return HTTPJSON.response(["revoked": true])
    }

    // MARK: Results

    func results(_ request: Request) async throws -> Response {
        let (limit, offset) = try Self.paging(request)
        let q = request.uri.queryParameters
        let kind = q.get("log_type") ?? "result"
        guard kind == "result" || kind == "status" else { throw HTTPError(.badRequest, message: "log_type must be result or status") }
        let logs = try await fleet.store.logs(kind: kind, name: q.get("name"), hostIdentifier: q.get("host_identifier"), limit: limit, offset: offset)
        // Lines are JSON the hosts sent, re-encoded by the server: embedded as values.
        let lines = logs.compactMap { try? WireCoding.decode(JSONValue.self, from: Data($0.line.utf8)) }
        return HTTPJSON.response(["results": JSONValue.array(lines)])
    }
}
