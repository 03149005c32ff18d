import Foundation
import Testing
import VigilTestSupport

/// The operator's routine changes, with an agent sending results every second: a new
/// server certificate (same CA), and an enroll secret revoked and replaced. The agent
/// follows each, and the server ends with every result the agent made, in order, once.
@Suite(.ownThread, .serialized) struct FleetRotationTests {
    @Test func aRotatedCertificateAndARevokedSecretLoseNoResults() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{"tick":{"query":"SELECT 1 AS one","interval":1,"snapshot":true}}}"#, token: token)
        // The agent's secret in a file of its own, as configuration management puts it.
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-secret-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: secretFile) }
        let firstSecret = try String(contentsOfFile: server.dir + "/enroll_secret", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try firstSecret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        let agent = try RunningAgent(config: FleetTests.quietConfig, flags: server.agentFlags(enrollSecretPath: secretFile))
        func counters() throws -> [Int] { try server.counters("tick", token: token) }
        func grows(by n: Int, _ what: String) throws {
            let start = try counters().count
            #expect(server.wait(45) { try counters().count >= start + n }, "no results after \(what): \(agent.log.suffix(2000))")
        }
        #expect(server.wait(40) { try counters().count >= 3 }, "no results reached the server: \(agent.log)")
        let hostID = try #require(try server.hosts(token).first?["id"] as? Int)

        // 1. A new server key and certificate from the same CA; the server restarts on it.
        let before = try fingerprint(server)
        server.stop()
        let tls = server.dir + "/tls"
        let made = try CLI.run(["-c", """
            set -e; cd '\(tls)'
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout new.key -subj /CN=127.0.0.1 -out new.csr 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext
            openssl x509 -req -in new.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile san.ext -out new.pem 2>/dev/null
            mv new.pem server.pem; mv new.key server.key; chmod 600 server.key
            """], executable: "/bin/sh")
        try #require(made.status == 0, "openssl: \(made.stderr)")
        try server.start()
        #expect(try fingerprint(server) != before, "the server still serves the old certificate")
        try grows(by: 3, "the certificate changed")
        #expect(try server.hosts(token).map { $0["id"] as? Int } == [hostID], "the agent did not need to enroll again")

        // 2. The agent's secret revoked: an enrolled agent carries on.
        _ = try server.api("/api/v1/enroll_secrets/\(firstSecret)", method: "DELETE", token: token)
        try grows(by: 3, "the secret was revoked")
        // Forgotten, it must enroll again, and the revoked secret is refused meanwhile.
        _ = try server.api("/api/v1/hosts/\(hostID)", method: "DELETE", token: token)
        #expect(server.wait(30) { agent.log.contains("enrollment refused") }, "\(agent.log.suffix(2000))")
        #expect(try server.hosts(token).isEmpty)
        // A new secret in the agent's file: it enrolls with it, as the same host, and
        // what it made while refused arrives.
        let reply = try server.api("/api/v1/enroll_secrets", method: "POST", body: #"{"name":"rotated"}"#, token: token) as? [String: Any]
        let newSecret = try #require(reply?["secret"] as? String)
        try newSecret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        #expect(server.wait(45) { try server.hosts(token).map { $0["id"] as? Int } == [hostID] }, "\(agent.log.suffix(2000))")
        let local = try agent.results().filter { $0["name"] as? String == "tick" }.compactMap { $0["counter"] as? Int }
        #expect(server.wait(60) { Set(try counters()).isSuperset(of: local) }, "the agent logged \(local), the server has \((try? counters()) ?? [])")
        let all = try counters()
        #expect(all == Array(all.first!...all.last!), "in order, none twice, none missing: \(all)")
        #expect(all.first == local.first)
    }

    /// The server gone for longer than the agent's bound holds: the oldest results are
    /// dropped, the rest arrive in order, and the number dropped, reported to the server
    /// in the agent's health, is exactly the number missing there.
    @Test func anOutageLongerThanTheBoundDropsTheOldestAndSaysHowMany() throws {
        let server = try RunningServer()
        let token = try server.adminToken()
        // About 2 KB a second against a 16 KiB bound: a 20 s outage overflows it, and while
        // the server is up at most a few records wait.
        _ = try server.api("/api/v1/config", method: "PUT", body: #"{"schedule":{"tick":{"query":"SELECT hex(zeroblob(1000)) AS pad","interval":1,"snapshot":true}}}"#, token: token)
        let agent = try RunningAgent(config: FleetTests.quietConfig,
                                     flags: server.agentFlags(["--logger_tls_max_pending_bytes=16384", "--vigil_telemetry_interval=2"]))
        func counters() throws -> [Int] { try server.counters("tick", token: token) }
        #expect(server.wait(40) { try counters().count >= 2 }, "no results reached the server: \(agent.log)")
        server.stop()
        usleep(20_000_000)
        try server.start()
        let local = try agent.results().filter { $0["name"] as? String == "tick" }.compactMap { $0["counter"] as? Int }
        let last = try #require(local.last)
        #expect(server.wait(60) { try counters().last ?? 0 >= last }, "\(agent.log.suffix(2000))")
        // The agent's own account, as the server received it, against the gap at the
        // server. (A drop after the agent's report shows as a gap it has not counted
        // yet, so the two are read again until they agree.)
        let hostID = try #require(try server.hosts(token).first?["id"] as? Int)
        var dropped = -1, pending = -1, missing = -2, all: [Int] = []
        #expect(server.wait(60) {
            let health = try server.api("/api/v1/hosts/\(hostID)/health", token: token) as? [String: Any]
            let tls = (health?["outputs"] as? [[String: Any]])?.first { $0["name"] as? String == "tls" }
            dropped = Int("\(tls?["dropped_records"] ?? "")") ?? -1
            pending = Int("\(tls?["pending_records"] ?? "")") ?? -1
            all = try counters()
            guard let first = all.first, let end = all.last else { return false }
            missing = Set(first...end).subtracting(all).count
            return dropped == missing
        }, "the server was told \(dropped) dropped (\(pending) pending); \(missing) are missing from \(all)")
        #expect(missing > 0, "the outage should have overflowed the 16 KiB bound: \(all)")
        #expect(all == all.sorted() && Set(all).count == all.count, "in order, once: \(all)")
    }

    /// The SHA-256 fingerprint of the certificate the server presents.
    func fingerprint(_ server: RunningServer) throws -> String {
        let r = try CLI.run(["-c", "openssl s_client -connect 127.0.0.1:\(server.port) -CAfile '\(server.ca)' </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"],
                            executable: "/bin/sh")
        try #require(r.status == 0 && r.stdout.contains("Fingerprint"), "openssl s_client: \(r.stdout) \(r.stderr)")
        return r.stdout
    }
}
