import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// The curl table against a small HTTP server the test starts (Python's http.server,
/// echoing the request's User-Agent), compared with what the curl command receives.
@Suite(.ownThread, .serialized) struct CurlTests {
    static let server = """
    import http.server, sys
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != '/hello':
                self.send_error(404); return
            body = ('hello from vigil tests; ua=' + self.headers.get('User-Agent', '')).encode()
            self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a): pass
    http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
    """

    @Test func getMatchesCurlCommand() throws {
        let port = try TCPListener.freePort()
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", Self.server, String(port)]
        try python.run()
        // SIGKILL: children of the test runner inherit its blocked SIGTERM.
        defer { kill(python.processIdentifier, SIGKILL); python.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"
        // Wait for the server to listen (curl's own retry on a refused connection).
        _ = try shell(["curl", "-s", "--retry", "30", "--retry-connrefused", "--retry-delay", "0", base + "/hello"])

        for (path, agent) in [("/hello", "vigil-test-agent"), ("/missing", "osquery")] {
            // curl: the body, then its status and size on a last line.
            let truth = try shell(["curl", "-s", "-A", agent, "-w", "\n%{http_code} %{size_download}", base + path])
            let lastLine = truth.split(separator: "\n").last!.split(separator: " ")
            let body = String(truth[..<truth.lastIndex(of: "\n")!])
            let uaClause = agent == "osquery" ? "" : " AND user_agent = '\(agent)'"
            let rows = try query("SELECT * FROM curl WHERE url = '\(base + path)'\(uaClause)")
            try #require(rows.count == 1)
            #expect(rows[0]["response_code"]?.int == Int64(lastLine[0]))
            #expect(rows[0]["bytes"]?.int == Int64(lastLine[1]))
            #expect(rows[0]["result"]?.string == body)
            #expect(rows[0]["user_agent"]?.string == agent)
            #expect((rows[0]["round_trip_time"]?.int ?? 0) > 0)
        }
        #expect(try query("SELECT result FROM curl WHERE url = '\(base)/hello'").first?["result"]?.string.hasSuffix("ua=osquery") == true)
    }

    @Test func refusedConnectionIsARowWithTheError() throws {
        let port = try TCPListener.freePort()
        let rows = try query("SELECT * FROM curl WHERE url = 'http://127.0.0.1:\(port)/'")
        try #require(rows.count == 1)
        #expect(rows[0]["response_code"] == .null)
        #expect(rows[0]["result"]?.string.isEmpty == false)
    }

    @Test func urlIsRequired() {
        #expect(throws: (any Error).self) { try query("SELECT * FROM curl") }
    }
}
