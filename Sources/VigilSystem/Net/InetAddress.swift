import Glibc

/// Text forms of IP addresses, always through inet_ntop so IPv6 comes out in the
/// standard compressed form ("::1", "fe80::1") and IPv4 dotted.
public enum InetAddress {
    public static let familyUnix: Int32 = 1
    public static let familyInet: Int32 = 2
    public static let familyInet6: Int32 = 10

    /// inet_ntop over raw address bytes (4 for IPv4, 16 for IPv6).
    public static func text(family: Int32, bytes: [UInt8]) -> String? {
        guard (family == familyInet && bytes.count == 4) || (family == familyInet6 && bytes.count == 16) else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The address held by a sockaddr (AF_INET or AF_INET6), or nil for other families.
    public static func text(_ address: UnsafePointer<sockaddr>) -> String? {
        switch Int32(address.pointee.sa_family) {
        case familyInet:
            let sin = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
            return withUnsafeBytes(of: sin.sin_addr) { text(family: familyInet, bytes: Array($0)) }
        case familyInet6:
            let sin6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
            return withUnsafeBytes(of: sin6.sin6_addr) { text(family: familyInet6, bytes: Array($0)) }
        default:
            return nil
        }
    }

    /// An address as /proc/net/{tcp,udp,route,...} print it: each 32-bit word of
    /// the in-memory address printed with %08X, so the bytes of every word are
    /// reversed on little-endian machines. 8 hex digits for IPv4, 32 for IPv6.
    public static func fromProcWords<S: StringProtocol>(_ hex: S) -> String? {
        let family: Int32
        switch hex.utf8.count {
        case 8: family = familyInet
        case 32: family = familyInet6
        default: return nil
        }
        var bytes: [UInt8] = []
        var start = hex.startIndex
        while start < hex.endIndex {
            let end = hex.index(start, offsetBy: 8)
            guard let word = UInt32(hex[start..<end], radix: 16) else { return nil }
            // The word was the native-endian load of four address bytes: store it back the same way.
            withUnsafeBytes(of: word) { bytes.append(contentsOf: $0) }
            start = end
        }
        return text(family: family, bytes: bytes)
    }

    /// An address printed as plain bytes in order (/proc/net/ipv6_route: 32 hex digits).
    public static func fromHexBytes<S: StringProtocol>(_ hex: S) -> String? {
        let digits = Array(hex.utf8)
        guard digits.count == 8 || digits.count == 32 else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let b = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(b)
        }
        return text(family: digits.count == 8 ? familyInet : familyInet6, bytes: bytes)
    }

    /// The prefix length of a netmask word as /proc/net/route prints it.
    public static func prefixLength(procMaskWord hex: Substring) -> Int? {
        UInt32(hex, radix: 16).map { $0.nonzeroBitCount }
    }
}
