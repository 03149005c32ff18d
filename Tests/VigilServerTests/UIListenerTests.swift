import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import VigilServer
import VigilTestSupport
import VigilWire

/// `--ui-listen`: the web UI and REST API on an address and event loop of their own,
/// the agents' address serving only agents and health checks.
@Suite(.ownThread) struct UIListenerTests {
    static func apart(_ c: inout FleetServerConfiguration) { c.uiListen = ListenAddress(host: "127.0.0.1", port: 0) }

    @Test func eachListenerServesOnlyItsOwnSide() async throws {
        try await TestServer.with(.sqlite, Self.apart) { server in
            #expect(server.ports.agents != server.ports.people)
            let nodeKey = try await server.enrollOsquery("apart-1")
            #expect(try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(nodeKey)"}"#).status == 200)
            // Agents cannot enroll on the people's side.
            #expect(try await server.request(OsqueryPaths.enroll, json: server.osqueryEnrollBody("apart-2"), at: server.peopleURL).status == 404)

            let token = try await server.adminToken()
            let hosts = try await server.request("/api/v1/hosts", method: .GET, token: token, at: server.peopleURL)
            #expect(hosts.status == 200)
            #expect(hosts.text.contains("apart-1"))
            // Neither the API, its document, the login nor the web UI on the agents' side.
            #expect(try await server.request("/api/v1/hosts", method: .GET, token: token).status == 404)
            #expect(try await server.request("/api/v1/login", json: #"{"password":"x"}"#).status == 404)
            #expect(try await server.request("/api/openapi.json", method: .GET).status == 404)
            #expect(try await server.request("/login", method: .GET).status == 404)
            #expect(try await server.request("/login", method: .GET, at: server.peopleURL).status == 200)
            // Health checks and metrics on both, for whichever a load balancer or Prometheus reaches.
            for base in [server.url, server.peopleURL] {
                #expect(try await server.request("/healthz", method: .GET, at: base).status == 200)
                #expect(try await server.request("/readyz", method: .GET, at: base).status == 200)
                #expect(try await server.request("/metrics", method: .GET, token: token, at: base).text.contains("vigil_"))
            }
        }
    }

    /// What the split is for: the agents' event loops busy (here each held by a blocking
    /// job for 2 s, as thousands of agents' requests hold them during a live query), a
    /// person's request, from its TLS handshake on, is still answered at once.
    @Test func aPersonIsAnsweredWhileTheAgentsLoopsAreBusy() async throws {
        let agentLoops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let clientLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var result: Result<Void, any Error> = .success(())
        do { try await Self.compare(agentLoops: agentLoops, clientLoops: clientLoops) } catch { result = .failure(error) }
        try? await clientLoops.shutdownGracefully()
        try? await agentLoops.shutdownGracefully()
        try result.get()
    }

    static func compare(agentLoops: MultiThreadedEventLoopGroup, clientLoops: MultiThreadedEventLoopGroup) async throws {
        try await TestServer.with(.sqlite, { Self.apart(&$0); $0.eventLoops = agentLoops }) { server in
            // A client on loops of its own, so that nothing it does waits on the server's.
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(try #require(server.fleet.tls.caPath))
            let client = HTTPClient(eventLoopGroupProvider: .shared(clientLoops), configuration: .init(tlsConfiguration: tls))
            /// Seconds from now until `base`'s /healthz answers, on a new connection.
            func seconds(_ base: String) async throws -> Double {
                let start = ContinuousClock.now
                var request = HTTPClientRequest(url: base + "/healthz")
                request.headers.add(name: "Connection", value: "close")
                let response = try await client.execute(request, timeout: .seconds(30))
                #expect(response.status == .ok)
                _ = try await response.body.collect(upTo: 1 << 16)
                let elapsed = ContinuousClock.now - start
                return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
            func blockAgentLoops() {
                for loop in agentLoops.makeIterator() { loop.execute { usleep(2_000_000) } }
            }
            blockAgentLoops()
            let person = try await seconds(server.peopleURL)
            // The same request to the agents' side waits for their loops: the measure can fail.
            blockAgentLoops()
            let agentSide = try await seconds(server.url)
            #expect(person < 1.0, "the people's listener took \(person) s while the agents' loops were busy")
            #expect(agentSide > 1.5, "the agents' listener answered in \(agentSide) s with its loops blocked for 2 s")
            try await client.shutdown()
        }
    }
}
