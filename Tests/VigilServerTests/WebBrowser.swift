import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing
import VigilServer

/// A browser as far as the web UI can tell: it keeps cookies, posts forms, does not
/// follow redirects (the tests look at them), and reads each page's CSRF token.
final class WebBrowser: @unchecked Sendable {
    let server: TestServer
    let http: HTTPClient
    var cookies: [String: String] = [:]

    struct Page {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var location: String? { headers.first(name: "Location") }
        /// The first CSRF token in the page's forms.
        var csrf: String? { Page.capture(#"name="csrf_token" value="([0-9a-f]+)""#, in: body) }

        static func capture(_ pattern: String, in text: String) -> String? {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let range = Range(match.range(at: 1), in: text) else { return nil }
            return String(text[range])
        }
    }

    init(_ server: TestServer) throws {
        self.server = server
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(try #require(server.fleet.tls.caPath))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls, redirectConfiguration: .disallow))
    }

    func close() async { try? await http.shutdown() }

    func get(_ path: String) async throws -> Page { try await send(path, method: .GET, body: nil) }

    /// POST a form, url-encoded as a browser does.
    func post(_ path: String, _ fields: [(String, String)]) async throws -> Page {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return try await send(path, method: .POST, body: body)
    }

    func send(_ path: String, method: HTTPMethod, body: String?) async throws -> Page {
        var request = HTTPClientRequest(url: server.peopleURL + path)
        request.method = method
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        for header in response.headers[canonicalForm: "Set-Cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return Page(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
    }

    /// Log in through the form; the reply to the form's POST.
    @discardableResult
    func logIn(_ name: String, _ password: String) async throws -> Page {
        let form = try await get("/login")
        #expect(form.status == 200)
        return try await post("/login", [("username", name), ("password", password), ("csrf_token", try #require(form.csrf))])
    }

    func adminPassword() throws -> String {
        try String(contentsOfFile: server.dir + "/admin_password", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
