import Foundation
import Testing
import VigilServer
import VigilWire
import VigilTestSupport

/// Labels and packs over the osquery API: dynamic labels answered by hosts' own reads,
/// packs in the configs of their labels' hosts only, live queries aimed at a label.
@Suite(.ownThread) struct LabelTests {
    @Test(arguments: TestDatabase.all) func dynamicLabelsPacksAndLabelTargetedQueries(_ database: TestDatabase) async throws {
        try await TestServer.with(database) { server in
            let a = try await server.enrollOsquery("a")
            let b = try await server.enrollOsquery("b")
            let token = try await server.adminToken()
            let made = try await server.request("/api/v1/labels", json: #"{"name":"debian","query":"SELECT 1 FROM os_version WHERE platform = 'debian'"}"#, token: token)
            #expect(made.status == 200)
            let labelID = try #require(made.json?["label"]?["id"]?.text)
            // Each host gets the label's query in its next read, and answers it.
            for (key, rows) in [(a, #"[{"1":"1"}]"#), (b, "[]")] {
                let read = try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(key)"}"#)
                #expect(read.json?["queries"]?["label_\(labelID)"] == "SELECT 1 FROM os_version WHERE platform = 'debian'")
                _ = try await server.request(OsqueryPaths.distributedWrite, json: #"{"node_key":"\#(key)","queries":{"label_\#(labelID)":\#(rows)},"statuses":{"label_\#(labelID)":0}}"#)
                // Answered: not asked again until the refresh.
                let again = try await server.request(OsqueryPaths.distributedRead, json: #"{"node_key":"\#(key)"}"#)
                #expect(again.json?["queries"]?["label_\(labelID)"] == nil)
            }
            let labels = try await server.request("/api/v1/labels", method: .GET, token: token)
            #expect(labels.json?["labels"]?.array?.first?["hosts"] == .integer(1))
            let members = try await server.request("/api/v1/hosts?label=debian", method: .GET, token: token)
            #expect(members.json?["hosts"]?.array?.map { $0["host_identifier"] } == ["a"])
            // Paged and filtered in the database with the label, like the rest of the list.
            #expect(try await server.request("/api/v1/hosts?label=debian&per_page=1&page=1", method: .GET, token: token).json?["hosts"]?.array?.isEmpty == true)
            #expect(try await server.request("/api/v1/hosts?label=debian&status=offline", method: .GET, token: token).json?["hosts"]?.array?.isEmpty == true)
            #expect(try await server.request("/api/v1/hosts?label=nope", method: .GET, token: token).status == 400)

            // A pack for the label reaches a's config, with its shard, and not b's.
            let pack = try await server.request("/api/v1/packs", json: #"{"name":"ports","labels":["debian"],"pack":{"shard":50,"queries":{"listening":{"query":"SELECT port FROM listening_ports","interval":300}}}}"#, token: token)
            #expect(pack.status == 200)
            let configA = try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(a)"}"#)
            #expect(configA.json?["packs"]?["ports"]?["shard"] == .integer(50))
            #expect(configA.json?["packs"]?["ports"]?["queries"]?["listening"]?["query"] == "SELECT port FROM listening_ports")
            let configB = try await server.request(OsqueryPaths.config, json: #"{"node_key":"\#(b)"}"#)
            #expect(configB.json?["packs"] == nil)
            #expect(configB.json?["schedule"] != nil)

            // A live query aimed at the label targets its members only.
            let run = try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 1","labels":["debian"]}"#, token: token)
            let id = try #require(run.json?["campaign_id"]?.text)
            let state = try await server.request("/api/v1/queries/run/\(id)", method: .GET, token: token)
            #expect(state.json?["targets"]?.array?.map { $0["host_identifier"] } == ["a"])
            // A label nobody is in is an error, not a silent empty query.
            _ = try await server.request("/api/v1/labels", json: #"{"name":"empty","host_identifiers":[]}"#, token: token)
            #expect(try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 1","labels":["empty"]}"#, token: token).status == 400)
            #expect(try await server.request("/api/v1/queries/run", json: #"{"sql":"SELECT 1","labels":["nope"]}"#, token: token).status == 400)
        }
    }
}
