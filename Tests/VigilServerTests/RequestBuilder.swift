import AsyncHTTPClient
import Foundation
import NIOCore

/// A raw POST with chosen headers and bytes (compressed bodies).
struct HTTPClientRequestBuilder {
    var url: String
    var body: Data
    var headers: [(String, String)]

    mutating func send(_ server: TestServer) async throws -> TestServer.Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await server.http.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return TestServer.Reply(status: Int(response.status.code), body: Data(buffer.readableBytesView))
    }
}
