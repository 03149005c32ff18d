import Hummingbird
import VigilServerStore
import VigilWire

/// Which requests are handled on the cooperative pool rather than on the event loop
/// that read them (`LoopBoundChannel`). An agent's usual request is small and waits on
/// the store, never on the CPU, and stays on its loop. A person's request can render a
/// flame graph or inflate a 256 MB profile, and an agent's large body (a million-row
/// answer, a compressed batch that inflates to megabytes) takes long to parse: on an
/// event loop either would stall every connection that loop serves until it is done.
struct OffLoop<Context: RequestContext>: RouterMiddleware {
    /// Where they run instead (the cooperative pool in `vigil server`).
    let executor: any TaskExecutor

    /// Bodies up to this size (as declared) are parsed on the loop; gzip ones are held
    /// to less, since they inflate.
    static var plainLimit: Int { 64 << 10 }
    static var gzipLimit: Int { 4 << 10 }

    static func isAgentPath(_ path: String) -> Bool {
        path.hasPrefix("/api/v1/osquery/") || path.hasPrefix("/api/v1/vigil/")
    }

    /// A profile upload carries a compressed pprof inside its JSON, which inflates to far
    /// more than the body's size says: always off the loop (an agent sends one every few minutes).
    static func isHeavyAgentPath(_ path: String) -> Bool { path == VigilPaths.profile }

    /// Whether a request with this path and these headers stays on its event loop.
    static func staysOnLoop(path: String, headers: HTTPFields) -> Bool {
        guard isAgentPath(path), !isHeavyAgentPath(path) else { return false }
        // No declared length (a chunked body): its size is unknown until read.
        guard let length = headers[.contentLength].flatMap(Int.init) else { return false }
        let gzip = headers[.contentEncoding].map { $0.lowercased() != "identity" } ?? false
        return length <= (gzip ? gzipLimit : plainLimit)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if Self.staysOnLoop(path: path, headers: request.headers) { return try await next(request, context) }
        // A person's request reads the store on the people's lane (`StoreLane`).
        let lane: StoreLane = Self.isAgentPath(path) ? .agents : .people
        return try await StoreLane.$current.withValue(lane) {
            try await withTaskExecutorPreference(executor) { try await next(request, context) }
        }
    }
}
