import Foundation
import Glibc
import Testing
import VigilTestSupport

/// A server whose open-file limit is smaller than its fleet keeps a share of its
/// descriptors for itself: connections past the rest wait to be accepted, and it goes on
/// serving. (Without the reserve it accepted until no descriptor was left: SQLite could
/// not open its files, and libdispatch ended the process when it could not read
/// /proc/self/task; 20,000 simulated agents against a 20,000-file limit did that.)
@Suite(.ownThread) struct FleetConnectionLimitTests {
    /// A plain TCP connection to the loopback port (completed by the kernel, accepted or not).
    static func connect(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc != 0 { close(fd) }
        try #require(rc == 0, "connect: \(String(cString: strerror(errno)))")
        return fd
    }

    @Test func connectionsPastItsShareWaitAndTheServerKeepsItsReserve() throws {
        let server = try RunningServer(fileLimit: 300)
        #expect(server.log.contains("accepting up to 150 connections at once (open-file limit 300)"), "\(server.log)")
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<400 { sockets.append(try Self.connect(server.port)) }
        // Given time to accept all it would: its descriptors stay far from the limit.
        var most = 0
        for _ in 0..<30 {
            most = max(most, (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(server.pid)/fd").count) ?? 0)
            usleep(100_000)
        }
        #expect(most > 150 && most < 250, "the server held \(most) descriptors under a limit of 300")
        #expect(kill(server.pid, 0) == 0, "the server is gone: \(server.log.suffix(2000))")
        // The clients go: the server answers again.
        sockets.forEach { close($0) }
        sockets = []
        let answered = server.wait(60) {
            try CLI.run(["-sS", "--max-time", "5", "--cacert", server.ca, server.url + "/healthz"], executable: "/usr/bin/curl").status == 0
        }
        #expect(answered, "\(server.log.suffix(2000))")
    }
}
