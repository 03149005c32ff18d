import Hummingbird
import Testing
@testable import VigilServer
import VigilWire
import VigilTestSupport

/// Which requests stay on the event loop that read them: an agent's small ones, and
/// nothing a person's browser or script asks for, nor a large or unsized agent body.
@Suite(.ownThread) struct OffLoopTests {
    typealias Rule = OffLoop<FleetRequestContext>

    static func headers(length: Int?, encoding: String? = nil) -> HTTPFields {
        var fields = HTTPFields()
        if let length { fields[.contentLength] = String(length) }
        if let encoding { fields[.contentEncoding] = encoding }
        return fields
    }

    @Test func agentEndpointsWithSmallBodiesStayOnTheirLoop() {
        let agent = [OsqueryPaths.enroll, OsqueryPaths.config, OsqueryPaths.log, OsqueryPaths.distributedRead,
                     OsqueryPaths.distributedWrite, VigilPaths.distributedWait, VigilPaths.distributedWriteWait, VigilPaths.telemetry]
        for path in agent {
            #expect(Rule.staysOnLoop(path: path, headers: Self.headers(length: 300)), "\(path)")
            #expect(Rule.staysOnLoop(path: path, headers: Self.headers(length: 2_000, encoding: "gzip")), "\(path)")
        }
    }

    @Test func everythingElseLeavesTheLoop() {
        for path in ["/", "/hosts", "/api/v1/hosts", "/api/v1/profiles/1/flamegraph", "/api/v1/queries/run", "/metrics", "/healthz", "/api/v1/osquery"] {
            #expect(!Rule.staysOnLoop(path: path, headers: Self.headers(length: 10)), "\(path)")
        }
        // A profile (a compressed pprof inside the JSON), however small its body.
        #expect(!Rule.staysOnLoop(path: VigilPaths.profile, headers: Self.headers(length: 300)))
        // An agent's large body, a compressed one that may inflate, one of unknown size.
        #expect(!Rule.staysOnLoop(path: OsqueryPaths.distributedWrite, headers: Self.headers(length: 2 << 20)))
        #expect(!Rule.staysOnLoop(path: OsqueryPaths.log, headers: Self.headers(length: 50_000, encoding: "gzip")))
        #expect(!Rule.staysOnLoop(path: OsqueryPaths.log, headers: Self.headers(length: nil)))
    }
}
