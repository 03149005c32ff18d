import Foundation
import Testing
import VigilOutputs
import VigilServer
import VigilTestSupport
import VigilWire

/// What agents send is forwarded, as well as stored, through the agent's own syslog and
/// TCP outputs: to a syslog socket and a TCP collector the test opened, every line once, in order.
@Suite(.ownThread) struct ForwardTests {
    @Test(arguments: TestDatabase.all) func resultLinesReachASyslogSocketAndATCPCollectorInOrder(_ database: TestDatabase) async throws {
        let collector = try TCPListener()
        let syslogPath = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-fwd-\(UUID().uuidString).sock").path
        let syslog = try DatagramListener(path: syslogPath)
        defer { unlink(syslogPath) }
        try await TestServer.with(database, { $0.options.forward = [.tcp(TCPEndpoint(host: "127.0.0.1", port: collector.port)), .syslog(path: syslogPath)] }) { server in
            let key = try await server.enrollOsquery("web-1")
            func line(_ port: Int) -> String {
                #"{"name":"ports","hostIdentifier":"web-1","calendarTime":"Sun Dec  6 00:00:00 2026 UTC","unixTime":1796515200,"epoch":0,"counter":1,"numerics":false,"decorations":{},"columns":{"port":"\#(port)"},"action":"added"}"#
            }
            let first = (1...3).map(line), second = (4...5).map(line)
            for batch in [first, first, second] { // the second is osquery resending a batch: forwarded once
                let reply = try await server.request(OsqueryPaths.log, json: #"{"node_key":"\#(key)","log_type":"result","data":[\#(batch.joined(separator: ","))]}"#)
                #expect(reply.status == 200)
            }
            var datagrams: [String] = []
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                collector.poll()
                datagrams += syslog.drain()
                if collector.lines.count >= 5 && datagrams.count >= 5 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .milliseconds(1500)) // nothing more arrives
            collector.poll()
            datagrams += syslog.drain()
            // The lines as stored (the same JSON objects, keys in the server's order).
            func object(_ text: some StringProtocol) -> NSDictionary? {
                (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? NSDictionary
            }
            let sent = (first + second).map(object)
            #expect(collector.lines.map(object) == sent, "\(collector.lines)")
            // RFC 3164 datagrams (`<PRI>… vigil[PID]: `) whose message is the line.
            #expect(datagrams.count == 5)
            #expect(datagrams.allSatisfy { $0.hasPrefix("<") && $0.contains("]: {") }, "\(datagrams)")
            #expect(datagrams.map { object($0[$0.range(of: "]: ")!.upperBound...]) } == sent, "\(datagrams)")
        }
    }

    @Test func badForwardTargetsAreRefusedWithTheForm() throws {
        #expect(throws: (any Error).self) { try ForwardTarget("udp://x:1") }
        #expect(throws: (any Error).self) { try ForwardTarget("tcp://nohostport") }
        #expect(try ForwardTarget("tcp://127.0.0.1:9000") == .tcp(TCPEndpoint(host: "127.0.0.1", port: 9000)))
        #expect(try ForwardTarget("syslog") == .syslog(path: "/dev/log"))
    }
}
