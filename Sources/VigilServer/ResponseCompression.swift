import Foundation
import Hummingbird
import NIOCore
import VigilSystem

/// gzip for text answers (pages, JSON, scripts, styles, SVG, CSV) when the client
/// accepts it: a live query's page of 1,000 rows or a page of hosts shrinks several
/// times over. Streams (server-sent events: no length known) pass untouched, as do
/// small bodies, where the header would cost more than it saves, and bodies already
/// encoded.
struct ResponseCompression<Context: RequestContext>: RouterMiddleware {
    static var minimumBytes: Int { 1024 }
    /// Larger bodies (a big export) go as they are rather than being held twice in memory.
    static var maximumBytes: Int { 16 << 20 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        // Cheapest first: most answers (an agent's ack or empty poll) are too small.
        guard let length = response.body.contentLength, (Self.minimumBytes...Self.maximumBytes).contains(length),
              response.headers[.contentEncoding] == nil, Self.acceptsGzip(request.headers[.acceptEncoding]),
              Self.isText(response.headers[.contentType]) else { return response }
        let collected = Collected()
        try await response.body.write(Collector(into: collected))
        let plain = Array(collected.buffer.readableBytesView)
        var headers = response.headers
        headers[.vary] = "Accept-Encoding"
        guard let compressed = try? Gzip.compress(plain, level: 5), compressed.count < plain.count else {
            return Response(status: response.status, headers: headers, body: ResponseBody(byteBuffer: collected.buffer))
        }
        headers[.contentEncoding] = "gzip"
        headers[.contentLength] = nil
        return Response(status: response.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: compressed)))
    }

    /// `gzip` among the client's encodings, without `q=0`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { part in
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard fields.first == "gzip" else { return false }
            let q = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) }
            return (q ?? 1) > 0
        }
    }

    static func isText(_ contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return type.hasPrefix("text/") && type != "text/event-stream" || type == "application/json" || type == "image/svg+xml"
    }
}

/// The body as written, gathered into one buffer.
private final class Collected: @unchecked Sendable {
    var buffer = ByteBuffer()
}

private struct Collector: ResponseBodyWriter {
    let into: Collected
    mutating func write(_ buffer: ByteBuffer) async throws {
        var b = buffer
        into.buffer.writeBuffer(&b)
    }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
