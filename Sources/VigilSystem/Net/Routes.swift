/// One kernel route from /proc/net/route (IPv4, main table) or /proc/net/ipv6_route (all IPv6 tables).
public struct Route: Sendable, Equatable {
    public let family: Int32
    public let destination: String
    /// Prefix length of the destination.
    public let prefixLength: Int
    /// Next hop, nil when the route has none (directly connected, local, reject).
    public let gateway: String?
    /// RTF_* flags as the kernel prints them.
    public let flags: Int64
    public let interface: String
    public let mtu: Int64
    public let metric: Int64

    /// RTF_GATEWAY, RTF_REJECT and (IPv6) RTF_LOCAL.
    public var hasGateway: Bool { flags & 0x2 != 0 }
    public var isReject: Bool { flags & 0x200 != 0 }
    public var isLocal: Bool { flags & 0x8000_0000 != 0 }
}

public enum Routes {
    public static func ipv4(path: String = "/proc/net/route") throws(SystemError) -> [Route] {
        parseIPv4(try FileSystem.readText(path))
    }

    public static func ipv6(path: String = "/proc/net/ipv6_route") throws(SystemError) -> [Route] {
        parseIPv6(try FileSystem.readText(path))
    }

    /// "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT", addresses as %08X words.
    public static func parseIPv4(_ text: String) -> [Route] {
        FileSystem.lines(text).dropFirst().compactMap { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 9, let dst = InetAddress.fromProcWords(f[1]), let flags = Int64(f[3], radix: 16) else { return nil }
            let gateway = flags & 0x2 != 0 ? InetAddress.fromProcWords(f[2]) : nil
            return Route(family: InetAddress.familyInet, destination: dst,
                         prefixLength: InetAddress.prefixLength(procMaskWord: f[7]) ?? 0,
                         gateway: gateway, flags: flags, interface: String(f[0]),
                         mtu: Int64(f[8]) ?? 0, metric: Int64(f[6]) ?? 0)
        }
    }

    /// "dst dst_len src src_len next_hop metric refcnt use flags dev", addresses as plain hex bytes.
    public static func parseIPv6(_ text: String) -> [Route] {
        FileSystem.lines(text).compactMap { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 10, let dst = InetAddress.fromHexBytes(f[0]), let flags = Int64(f[8], radix: 16) else { return nil }
            let gateway = flags & 0x2 != 0 ? InetAddress.fromHexBytes(f[4]) : nil
            return Route(family: InetAddress.familyInet6, destination: dst, prefixLength: Int(f[1], radix: 16) ?? 0,
                         gateway: gateway, flags: flags, interface: String(f[9]),
                         mtu: 0, metric: Int64(f[5], radix: 16) ?? 0)
        }
    }
}
