import Hummingbird
import VigilServerStore

/// Health for load balancers and orchestrators: `/healthz` says the process serves;
/// `/readyz` also asks the database (a server whose PostgreSQL is gone should be taken
/// out of rotation, not sent agents it cannot store for).
extension APIEndpoints {
    var healthRoutes: [APIRoute] {
        [
            APIRoute(method: .get, path: "/healthz", summary: "The server is up (no token needed)", role: nil) { _, _ in
                HTTPJSON.response(["status": "ok"])
            },
            APIRoute(method: .get, path: "/metrics", summary: "The server's own metrics in Prometheus's text format (any API token)", role: .observer) { _, _ in
                await fleet.metrics.refresh(store: fleet.store, offlineAfterSeconds: fleet.options.offlineAfterSeconds)
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(bytes: fleet.metrics.text())))
            },
            APIRoute(method: .get, path: "/readyz", summary: "The server is up and its database answers (no token needed); 503 otherwise", role: nil) { _, _ in
                do {
                    try await fleet.store.ping()
                    return HTTPJSON.response(["status": "ok", "database": fleet.store.dialectName])
                } catch {
                    return HTTPJSON.response(["status": "unavailable", "database": fleet.store.dialectName, "error": "\(error)"], status: .serviceUnavailable)
                }
            },
        ]
    }
}
