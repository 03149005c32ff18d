import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VigilServer
import VigilSystem
import VigilWire
import VigilTestSupport

/// Text answers are gzip'd for clients that ask, and only for them; streams and small
/// answers are not; what arrives inflates to exactly what an uncompressed request gets.
@Suite(.ownThread) struct CompressionTests {
    @Test func pagesAndJSONAreGzippedForClientsThatAskAndInflateToTheSameBytes() async throws {
        try await TestServer.with(.sqlite) { server in
            let token = try await server.adminToken()
            for i in 0..<30 { _ = try await server.enrollOsquery("web-\(i)") }
            let plain = try await server.request("/api/v1/hosts?per_page=100", method: .GET, token: token)
            #expect(plain.headers["Content-Encoding"] == nil)
            let zipped = try await server.request("/api/v1/hosts?per_page=100", method: .GET, token: token, headers: [("Accept-Encoding", "br;q=1, gzip;q=0.8")])
            #expect(zipped.headers["Content-Encoding"] == "gzip")
            #expect(zipped.headers["Vary"] == "Accept-Encoding")
            #expect(zipped.body.count * 3 < plain.body.count, "\(zipped.body.count) of \(plain.body.count) bytes")
            let inflated = try Gzip.decompress([UInt8](zipped.body))
            // The same hosts and fields (last_seen may move between the two requests).
            let a = try WireCoding.decode(JSONValue.self, from: plain.body)["hosts"]?.array?.map { $0["host_identifier"] }
            let b = try WireCoding.decode(JSONValue.self, from: Data(inflated))["hosts"]?.array?.map { $0["host_identifier"] }
            #expect(a == b && a?.count == 30)
            // The OpenAPI document (no volatile fields): byte for byte.
            let doc = try await server.request("/api/openapi.json", method: .GET)
            let docZipped = try await server.request("/api/openapi.json", method: .GET, headers: [("Accept-Encoding", "gzip")])
            #expect(docZipped.headers["Content-Encoding"] == "gzip")
            #expect(try Gzip.decompress([UInt8](docZipped.body)) == [UInt8](doc.body))
            // Refused with q=0, or not offered: plain.
            let refused = try await server.request("/api/openapi.json", method: .GET, headers: [("Accept-Encoding", "gzip;q=0, identity")])
            #expect(refused.headers["Content-Encoding"] == nil && refused.body == doc.body)
            // Small answers are not worth it.
            let health = try await server.request("/healthz", method: .GET, headers: [("Accept-Encoding", "gzip")])
            #expect(health.headers["Content-Encoding"] == nil)
            // A live query's event stream is never held back to be compressed.
            let run = try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 1","host_identifiers":["web-1"]}"#, token: token)
            let id = try #require(run.json?["campaign_id"]?.text)
            var request = HTTPClientRequest(url: server.url + "/api/v1/queries/run/\(id)/stream")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Accept-Encoding", value: "gzip")
            let stream = try await server.http.execute(request, timeout: .seconds(10))
            #expect(stream.headers.first(name: "Content-Encoding") == nil)
            #expect(stream.headers.first(name: "Content-Type") == "text/event-stream")
            var events = stream.body.makeAsyncIterator()
            let first = try await events.next()
            #expect(first.map { String(buffer: $0) }?.contains("event:") == true)
        }
    }
}
