import Foundation
import Glibc

/// A Unix datagram socket bound at a path, as a syslog daemon's /dev/log: what the
/// syslog output sends, read back by the test.
public final class DatagramListener {
    public let fd: Int32
    public let path: String

    public init(path: String) throws {
        self.path = path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8))
            raw[path.utf8.count] = 0
        }
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard r == 0 else { throw POSIXError(.init(rawValue: errno)!) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Every datagram waiting now.
    public func drain() -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 { return out }
            out.append(String(decoding: buffer.prefix(n), as: UTF8.self))
        }
    }
}

/// A TCP listener on the loopback, as a json_lines collector: accepts connections and
/// keeps every byte it receives.
public final class TCPListener {
    public let fd: Int32
    public let port: UInt16
    private var connections: [Int32] = []
    public private(set) var received: [UInt8] = []

    /// Listen on `port` (0: any free one).
    public init(port: UInt16 = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw POSIXError(.init(rawValue: errno)!)
        }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = UInt16(bigEndian: bound.sin_port)
    }

    deinit {
        connections.forEach { close($0) }
        close(fd)
    }

    /// A port nothing listens on now (bound, then released), below the kernel's ephemeral
    /// range (32768 and up here): a test that listens on it later must find it still
    /// free, and an ephemeral one can meanwhile become the local end of any other test's
    /// connection (CI saw a server restart fail with EADDRINUSE, and an OTLP receiver not
    /// start).
    public static func freePort() throws -> UInt16 {
        for _ in 0..<200 {
            if let listener = try? TCPListener(port: UInt16.random(in: 20_000..<32_000)) { return listener.port }
        }
        throw POSIXError(.EADDRINUSE)
    }

    /// Accept what is waiting and read what has arrived.
    public func poll() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { break }
            _ = fcntl(c, F_SETFL, O_NONBLOCK)
            connections.append(c)
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        for c in connections {
            while true {
                let n = recv(c, &buffer, buffer.count, 0)
                if n <= 0 { break }
                received += buffer.prefix(n)
            }
        }
    }

    public var lines: [String] { String(decoding: received, as: UTF8.self).split(separator: "\n").map(String.init) }
    public var connectionCount: Int { connections.count }
}

/// Call `body` until it returns true or `seconds` pass.
public func waitUntil(_ seconds: Double, _ body: () throws -> Bool) rethrows -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if try body() { return true }
        usleep(10_000)
    }
    return try body()
}
