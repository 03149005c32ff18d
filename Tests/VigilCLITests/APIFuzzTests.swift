import Foundation
import Testing
import VigilTestSupport

/// The REST API fuzzed from its own OpenAPI document by schemathesis (PyPI, in a venv
/// scripts/bootstrap makes): thousands of generated requests, valid and not, with an
/// admin's token. No answer may be a server error, or a status or content the document
/// does not declare; and the server must still answer normally afterwards.
@Suite(.ownThread, .serialized) struct APIFuzzTests {
    static let schemathesis = FileManager.default.currentDirectoryPath + "/.build/fuzz-venv/bin/st"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: schemathesis) || ProcessInfo.processInfo.environment["CI"] == "true",
                   "needs schemathesis (scripts/bootstrap)"))
    func schemathesisFindsNoServerErrorAndNothingUndocumented() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        // Something for the generated ids to find: a host, a label.
        let agent = try RunningAgent(config: FleetTests.quietConfig, flags: server.agentFlags())
        #expect(server.wait(30) { try server.hosts(token).count == 1 }, "the agent did not enroll: \(agent.log)")
        _ = try server.api("/api/v1/labels", method: "POST", body: #"{"name":"fuzzed","query":"SELECT 1"}"#, token: token)

        // One worker: Python 3.11.7's ast module counts recursion depth in state shared by
        // threads (CPython gh-106905), and Hypothesis parses source with it, so two workers
        // now and then stop schemathesis with "AST constructor recursion depth mismatch".
        let checks = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection"
        let run = try CLI.run([
            "run", server.url + "/api/openapi.json", "--tls-verify", server.ca, "-H", "Authorization: Bearer \(token)",
            "--checks", checks, "--max-examples", "20", "--max-time", "60", "--seed", "14", "--warnings", "off",
            "--request-timeout", "10", "--workers", "1",
            // Left out: profiling the server starts an eBPF profiler of it for up to two
            // minutes (ServerProfileTests and ServerProfileRequestTests test that route),
            // and a profile's event stream is held open until the profile is done.
            "--exclude-path-regex", #"^/api/v1/(server/profiles|profiles/\{id\}/stream|status/stream)$"#,
        ], executable: Self.schemathesis)
        let tail = run.stdout.split(separator: "\n").suffix(60).joined(separator: "\n")
        #expect(run.status == 0, "schemathesis found problems:\n\(tail)\n\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("passed"), "\(tail)")
        // Still up and ready (the fuzzer may have deleted the host or its own token).
        #expect((try server.api("/readyz") as? [String: Any])?["status"] as? String == "ok")
        #expect(!server.log.contains("Fatal error"), "\(server.log.suffix(3000))")
    }
}
