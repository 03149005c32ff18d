import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct ProcessOpenSocketsTests {
    @Test func tcpConnectionOnLoopbackAppearsWithPortsAndPid() throws {
        let server = try TestSocket.listener()
        let client = try TestSocket.client(of: server)
        let pid = getpid()
        let rows = try query("SELECT * FROM process_open_sockets WHERE pid = \(pid)")
        #expect(rows.allSatisfy { $0["pid"]?.int == Int64(pid) })

        let listen = try #require(rows.first { $0["fd"]?.int == Int64(server.fd) })
        #expect(listen["socket"]?.int == Int64(server.inode))
        #expect(listen["family"]?.int == 2)
        #expect(listen["protocol"]?.int == 6)
        #expect(listen["local_address"]?.string == "127.0.0.1")
        #expect(listen["local_port"]?.int == Int64(server.port))
        #expect(listen["remote_port"]?.int == 0)
        #expect(listen["state"]?.string == "LISTEN")
        #expect(listen["net_namespace"]?.string == (try ownNetNamespace()))

        let conn = try #require(rows.first { $0["fd"]?.int == Int64(client.fd) })
        #expect(conn["socket"]?.int == Int64(client.inode))
        #expect(conn["local_address"]?.string == "127.0.0.1")
        #expect(conn["local_port"]?.int == Int64(client.port))
        #expect(conn["remote_address"]?.string == "127.0.0.1")
        #expect(conn["remote_port"]?.int == Int64(server.port))
        #expect(conn["state"]?.string == "ESTABLISHED")
    }

    @Test func ipv6AddressesAreCompressed() throws {
        let server: TestSocket
        do {
            server = try TestSocket.listener("::1")
        } catch {
            // Only a machine booted without IPv6 lacks ::1; nothing to check there.
            return
        }
        let rows = try query("SELECT family, local_address, local_port FROM process_open_sockets WHERE pid = \(getpid()) AND socket = \(server.inode)")
        #expect(rows.count == 1)
        #expect(rows.first?["family"]?.int == 10)
        #expect(rows.first?["local_address"]?.string == "::1")
        #expect(rows.first?["local_port"]?.int == Int64(server.port))
    }

    @Test func unconstrainedScanFindsOurSocketAndUnixPaths() throws {
        let server = try TestSocket.listener()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let unix = try TestSocket(family: AF_UNIX, type: Int32(SOCK_STREAM.rawValue))
        let path = dir.appendingPathComponent("s").path
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(unix.fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)

        let rows = try query("SELECT pid, fd, socket, family, path FROM process_open_sockets")
        let tcp = rows.first { $0["socket"]?.int == Int64(server.inode) }
        #expect(tcp?["pid"]?.int == Int64(getpid()))
        #expect(tcp?["fd"]?.int == Int64(server.fd))
        let un = rows.first { $0["socket"]?.int == Int64(unix.inode) }
        #expect(un?["family"]?.int == 1)
        #expect(un?["path"]?.string == path)
        #expect(un?["pid"]?.int == Int64(getpid()))
    }
}
