import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct ListeningPortsTests {
    @Test func tcpListenerAppearsWithPidPortProtocolFamily() throws {
        let server = try TestSocket.listener()
        let client = try TestSocket.client(of: server)
        let rows = try query("SELECT * FROM listening_ports WHERE port = \(server.port)")
        let row = try #require(rows.first { $0["protocol"]?.int == 6 })
        #expect(row["pid"]?.int == Int64(getpid()))
        #expect(row["family"]?.int == 2)
        #expect(row["address"]?.string == "127.0.0.1")
        #expect(row["fd"]?.int == Int64(server.fd))
        #expect(row["socket"]?.int == Int64(server.inode))
        #expect(row["net_namespace"]?.string == (try ownNetNamespace()))
        // The connected client is not listening.
        let clientRows = try query("SELECT * FROM listening_ports WHERE socket = \(client.inode)")
        #expect(clientRows.isEmpty)
    }

    @Test func boundUdpSocketAppears() throws {
        let udp = try TestSocket(family: AF_INET, type: Int32(SOCK_DGRAM.rawValue))
        try udp.bind("127.0.0.1")
        let rows = try query("SELECT pid, protocol, family, address FROM listening_ports WHERE port = \(udp.port) AND protocol = 17")
        #expect(rows.count == 1)
        #expect(rows.first?["pid"]?.int == Int64(getpid()))
        #expect(rows.first?["address"]?.string == "127.0.0.1")
    }

    @Test func boundButNotListeningTcpSocketIsAbsent() throws {
        let tcp = try TestSocket(family: AF_INET, type: Int32(SOCK_STREAM.rawValue))
        try tcp.bind("127.0.0.1")
        let rows = try query("SELECT * FROM listening_ports WHERE socket = \(tcp.inode)")
        #expect(rows.isEmpty)
    }
}
