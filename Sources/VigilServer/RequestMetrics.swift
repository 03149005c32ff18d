import Dispatch
import Hummingbird

/// Counts every routed request and times it (/metrics), labelled by the route's pattern.
struct RequestMetrics<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let route = context.endpointPath ?? "unmatched"
        // Bytes as sent (compressed or not), from the declared length: what agents cost
        // the network, by route and encoding.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > 0 {
            let encoding = request.headers[.contentEncoding]?.lowercased() == "gzip" ? "gzip" : "identity"
            metrics.requestBody(route: route, encoding: encoding, bytes: length)
        }
        func record(_ status: Int) {
            metrics.request(route: route, method: request.method.rawValue, status: status,
                            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        do {
            let response = try await next(request, context)
            record(Int(response.status.code))
            return response
        } catch {
            record(Int((error as? any HTTPResponseError)?.status.code ?? 500))
            throw error
        }
    }
}
