/// One socket as the kernel lists it in a network namespace's /proc/net files.
public struct NetSocket: Sendable, Equatable {
    /// AF_UNIX (1), AF_INET (2) or AF_INET6 (10).
    public var family: Int32
    /// IPPROTO number for inet sockets; the (always 0) protocol column for unix ones.
    public var protocolNumber: Int32
    public var localAddress = ""
    public var localPort: Int32 = 0
    public var remoteAddress = ""
    public var remotePort: Int32 = 0
    /// TCP state name (LISTEN, ESTABLISHED...); empty for other protocols.
    public var state = ""
    /// Bound path of a unix socket ("@name" for abstract ones); empty otherwise.
    public var path = ""
    /// Socket inode, the key that ties it to a process's fd ("socket:[inode]").
    public var inode: UInt64

    public init(family: Int32, protocolNumber: Int32, inode: UInt64) {
        self.family = family
        self.protocolNumber = protocolNumber
        self.inode = inode
    }
}

/// Parsers for /proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6,icmp,icmp6,unix}.
public enum SocketTable {
    /// File name → IPPROTO number; each also exists with a "6" suffix for IPv6.
    public static let inetFiles: [(name: String, protocolNumber: Int32)] = [
        ("tcp", 6), ("udp", 17), ("udplite", 136), ("raw", 255), ("icmp", 1),
    ]

    /// Kernel TCP states (include/net/tcp_states.h), indexed by number.
    static let tcpStates = ["UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
                            "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"]

    /// Every socket of one network namespace, from its net directory ("/proc/PID/net").
    /// Files the kernel lacks (no IPv6, no udplite) are skipped; only a wholly unreadable
    /// directory throws.
    public static func all(in netDirectory: String) throws(SystemError) -> [NetSocket] {
        var out: [NetSocket] = []
        var readAny = false
        var lastError: SystemError?
        for (name, proto) in inetFiles {
            for (suffix, family) in [("", InetAddress.familyInet), ("6", InetAddress.familyInet6)] {
                do {
                    let text = try FileSystem.readText("\(netDirectory)/\(name)\(suffix)")
                    out += inet(text, family: family, protocolNumber: proto)
                    readAny = true
                } catch {
                    lastError = error
                }
            }
        }
        do {
            out += unix(try FileSystem.readText("\(netDirectory)/unix"))
            readAny = true
        } catch {
            lastError = error
        }
        if !readAny, let lastError { throw lastError }
        return out
    }

    /// Rows of a tcp/udp/raw file: "sl local rem st tx:rx tr:when retr uid timeout inode ...".
    public static func inet(_ text: String, family: Int32, protocolNumber: Int32) -> [NetSocket] {
        var out: [NetSocket] = []
        for line in FileSystem.lines(text).dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 10, let inode = UInt64(f[9]) else { continue }
            let local = f[1].split(separator: ":"), remote = f[2].split(separator: ":")
            guard local.count == 2, remote.count == 2 else { continue }
            var s = NetSocket(family: family, protocolNumber: protocolNumber, inode: inode)
            s.localAddress = InetAddress.fromProcWords(local[0]) ?? ""
            s.localPort = Int32(local[1], radix: 16) ?? 0
            s.remoteAddress = InetAddress.fromProcWords(remote[0]) ?? ""
            s.remotePort = Int32(remote[1], radix: 16) ?? 0
            if protocolNumber == 6 {
                let n = Int(f[3], radix: 16) ?? 0
                s.state = n > 0 && n < tcpStates.count ? tcpStates[n] : "UNKNOWN"
            }
            out.append(s)
        }
        return out
    }

    /// Rows of /proc/net/unix: "Num RefCount Protocol Flags Type St Inode [Path]".
    public static func unix(_ text: String) -> [NetSocket] {
        var out: [NetSocket] = []
        for line in FileSystem.lines(text).dropFirst() {
            let f = line.split(separator: " ", maxSplits: 7, omittingEmptySubsequences: true)
            guard f.count >= 7, let inode = UInt64(f[6]) else { continue }
            var s = NetSocket(family: InetAddress.familyUnix, protocolNumber: Int32(f[2], radix: 16) ?? 0, inode: inode)
            if f.count == 8 { s.path = String(f[7]) }
            out.append(s)
        }
        return out
    }
}
