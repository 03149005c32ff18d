import VigilWire

/// The OpenAPI 3.1 document served at /api/openapi.json, made from the same route list
/// the router is built from.
enum OpenAPIDocument {
    static func make(_ routes: [APIRoute]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for route in routes {
            var operation: [String: JSONValue] = ["summary": .string(route.summary)]
            var parameters: [JSONValue] = []
            for name in pathParameters(route.path) {
                parameters.append(.object(["name": .string(name), "in": "path", "required": .bool(true), "schema": schema(name)]))
            }
            for name in route.query {
                parameters.append(.object(["name": .string(name), "in": "query", "required": .bool(false), "schema": schema(name)]))
            }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body = route.body {
                operation["requestBody"] = .object(["description": .string(body), "required": .bool(true),
                                                    "content": .object(["application/json": .object(["schema": .object(["type": "object"])])])])
            }
            var responses: [String: JSONValue] = ["200": .object(["description": "OK"]), "400": .object(["description": "Bad request, with an error message"]),
                                                  "503": .object(["description": "The database did not answer in time"])]
            if !pathParameters(route.path).isEmpty { responses["404"] = .object(["description": "No such item"]) }
            if route.body != nil { responses["413"] = .object(["description": "The body is over the size limit"]) }
            if let role = route.role {
                operation["security"] = .array([.object(["bearer": .array([])])])
                responses["401"] = .object(["description": "No or unknown token"])
                if role == .admin { responses["403"] = .object(["description": "An observer's token"]) }
                operation["x-vigil-role"] = .string(role.rawValue)
            }
            for (status, description) in route.responses { responses[status] = .object(["description": .string(description)]) }
            operation["responses"] = .object(responses)
            var item = paths[route.path]?.object ?? [:]
            item[route.method.rawValue] = .object(operation)
            paths[route.path] = .object(item)
        }
        return .object([
            "openapi": "3.1.0",
            "info": .object(["title": "Vigil fleet server API", "version": "1"]),
            "components": .object(["securitySchemes": .object(["bearer": .object(["type": "http", "scheme": "bearer"])])]),
            "paths": .object(paths),
        ])
    }

    /// Each parameter's type and range, as the handlers check them (a value outside is a 400).
    static func schema(_ parameter: String) -> JSONValue {
        func integer(_ minimum: Int64, _ maximum: Int64? = nil) -> JSONValue {
            var s: [String: JSONValue] = ["type": "integer", "format": "int64", "minimum": .integer(minimum)]
            if let maximum { s["maximum"] = .integer(maximum) }
            return .object(s)
        }
        switch parameter {
        case "id", "after", "since", "baseline": return integer(0)
        case "page": return integer(0, APIEndpoints.maxPage)
        case "per_page": return integer(1, 1000)
        case "max_rows", "max_targets": return integer(0, 100_000)
        // Empty: no filter (as a form's "any" sends it).
        case "status": return .object(["type": "string", "enum": .array(["", "online", "offline"])])
        case "log_type": return .object(["type": "string", "enum": .array(["result", "status"])])
        default: return .object(["type": "string"])
        }
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }
}
