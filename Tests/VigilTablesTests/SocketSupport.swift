import Foundation
import Testing

/// Real sockets the network table tests open in their own process, closed on deinit.
final class TestSocket {
    let fd: Int32

    init(family: Int32, type: Int32) throws {
        fd = socket(family, type, 0)
        try #require(fd >= 0, "socket: \(String(cString: strerror(errno)))")
    }

    deinit { close(fd) }

    /// A TCP listener on `address` (IPv4 or IPv6 text), on an ephemeral port.
    static func listener(_ address: String = "127.0.0.1") throws -> TestSocket {
        let s = try TestSocket(family: address.contains(":") ? AF_INET6 : AF_INET, type: Int32(SOCK_STREAM.rawValue))
        try s.bind(address)
        try #require(listen(s.fd, 4) == 0)
        return s
    }

    /// A TCP client connected to `server`.
    static func client(of server: TestSocket, address: String = "127.0.0.1") throws -> TestSocket {
        let s = try TestSocket(family: address.contains(":") ? AF_INET6 : AF_INET, type: Int32(SOCK_STREAM.rawValue))
        var storage = try TestSocket.makeAddress(address, port: server.port)
        let r = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s.fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        try #require(r == 0, "connect: \(String(cString: strerror(errno)))")
        return s
    }

    func bind(_ address: String, port: UInt16 = 0) throws {
        var storage = try TestSocket.makeAddress(address, port: port)
        let r = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
        try #require(r == 0, "bind \(address): \(String(cString: strerror(errno)))")
    }

    /// The local port from getsockname.
    var port: UInt16 {
        var storage = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        // sin_port and sin6_port sit at the same offset.
        return UInt16(bigEndian: storage.sin6_port)
    }

    /// The socket's inode, which /proc/PID/fd shows as socket:[inode].
    var inode: UInt64 {
        var st = stat()
        fstat(fd, &st)
        return UInt64(st.st_ino)
    }

    /// A sockaddr_in or sockaddr_in6 in sockaddr_in6-sized storage.
    static func makeAddress(_ address: String, port: UInt16) throws -> sockaddr_in6 {
        var storage = sockaddr_in6()
        if address.contains(":") {
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = port.bigEndian
            try #require(inet_pton(AF_INET6, address, &storage.sin6_addr) == 1)
        } else {
            try withUnsafeMutablePointer(to: &storage) {
                try $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    sin.pointee.sin_family = sa_family_t(AF_INET)
                    sin.pointee.sin_port = port.bigEndian
                    try #require(inet_pton(AF_INET, address, &sin.pointee.sin_addr) == 1)
                }
            }
        }
        return storage
    }
}

/// The inode of this process's network namespace, from /proc/self/ns/net.
func ownNetNamespace() throws -> String {
    let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
    return String(link.dropFirst("net:[".count).dropLast())
}
