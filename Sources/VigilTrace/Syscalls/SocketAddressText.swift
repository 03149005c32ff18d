import Glibc

/// A struct sockaddr from user memory as text: "10.0.0.1:443", "[::1]:22",
/// "unix:/run/x.sock"; other families as "family N".
enum SocketAddressText {
    static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        guard bytes.count >= 2 else { return "" }
        let family = Int32(bytes.loadUnaligned(as: UInt16.self))
        switch family {
        case AF_INET where bytes.count >= 8:
            let port = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            return "\(ipv4(UnsafeRawBufferPointer(rebasing: bytes[4..<8]))):\(port)"
        case AF_INET6 where bytes.count >= 24:
            let port = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            return "[\(ipv6(UnsafeRawBufferPointer(rebasing: bytes[8..<24])))]:\(port)"
        case AF_UNIX:
            let path = UnsafeRawBufferPointer(rebasing: bytes[2...])
            if path.first == 0 {  // abstract namespace
                return "unix:@" + String(decoding: path.dropFirst().prefix { $0 != 0 }, as: UTF8.self)
            }
            return "unix:" + String(decoding: path.prefix { $0 != 0 }, as: UTF8.self)
        default:
            return "family \(family)"
        }
    }

    static func ipv4(_ b: UnsafeRawBufferPointer) -> String {
        "\(b[0]).\(b[1]).\(b[2]).\(b[3])"
    }

    /// RFC 5952 text via inet_ntop; v4-mapped addresses as plain IPv4.
    static func ipv6(_ b: UnsafeRawBufferPointer) -> String {
        if b.prefix(10).allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
            return ipv4(UnsafeRawBufferPointer(rebasing: b[12..<16]))
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, b.baseAddress, &text, socklen_t(text.count)) != nil else { return "" }
        return String(cString: text)
    }
}
