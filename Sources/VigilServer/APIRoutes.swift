import Hummingbird

/// One REST route: registered on the router and described in the OpenAPI document from
/// this same list, so the document cannot name a route the server lacks or miss one it
/// has.
struct APIRoute: Sendable {
    enum Method: String, Sendable { case get, post, put, delete }
    var method: Method
    /// Hummingbird's pattern: `{id}` is a path parameter.
    var path: String
    var summary: String
    /// nil: no token needed (login).
    var role: RequiredRole?
    var query: [String] = []
    var body: String? = nil
    /// Statuses this route may answer beyond those every route may (for the document).
    var responses: [String: String] = [:]
    var handler: @Sendable (Request, FleetRequestContext) async throws -> Response

    enum RequiredRole: String, Sendable { case observer, admin }
}

extension Router where Context == FleetRequestContext {
    func add(_ route: APIRoute) {
        let path = RouterPath(route.path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: ""))
        switch route.method {
        case .get: get(path, use: route.handler)
        case .post: post(path, use: route.handler)
        case .put: put(path, use: route.handler)
        case .delete: delete(path, use: route.handler)
        }
    }
}
