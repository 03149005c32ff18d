import Hummingbird
import VigilServerStore

/// The audit log through the API: admins only (it names tokens and users).
extension APIEndpoints {
    var auditRoutes: [APIRoute] {
        [
            APIRoute(method: .get, path: "/api/v1/audit", summary: "Who changed what through the API and the web UI, newest first, paged", role: .admin,
                     query: ["page", "per_page"]) { r, _ in try await auditLog(r) },
        ]
    }

    func auditLog(_ request: Request) async throws -> Response {
        let (limit, offset) = try Self.paging(request)
        let entries = try await fleet.store.auditLog(limit: limit, offset: offset)
        return HTTPJSON.response(["entries": entries])
    }
}
