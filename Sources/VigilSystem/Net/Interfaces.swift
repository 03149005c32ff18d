import Glibc

/// One getifaddrs(3) entry: an address of an interface, or (AF_PACKET) the link itself.
public struct InterfaceEntry: Sendable, Equatable {
    public let name: String
    /// AF_INET, AF_INET6, AF_PACKET (17), or 0 when the entry has no address.
    public let family: Int32
    /// IFF_* flags of the interface (netdevice(7)).
    public let flags: UInt32
    public let address: String?
    public let netmask: String?
    public let broadcast: String?
    public let pointToPoint: String?

    public static let familyPacket: Int32 = 17
}

public enum Interfaces {
    static let iffBroadcast: UInt32 = 0x2
    static let iffPointToPoint: UInt32 = 0x10

    /// Every entry getifaddrs returns, in its order.
    public static func entries() throws(SystemError) -> [InterfaceEntry] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { throw SystemError("getifaddrs") }
        defer { freeifaddrs(list) }
        var out: [InterfaceEntry] = []
        var cursor = list
        while let entry = cursor?.pointee {
            cursor = entry.ifa_next
            let family = entry.ifa_addr.map { Int32($0.pointee.sa_family) } ?? 0
            // The union holds the broadcast address or the point-to-point peer, per the flags.
            let other = entry.ifa_ifu.ifu_broadaddr.flatMap { InetAddress.text(UnsafePointer($0)) }
            out.append(InterfaceEntry(
                name: entry.ifa_name.map { String(cString: $0) } ?? "",
                family: family,
                flags: entry.ifa_flags,
                address: entry.ifa_addr.flatMap { InetAddress.text(UnsafePointer($0)) },
                netmask: entry.ifa_netmask.flatMap { InetAddress.text(UnsafePointer($0)) },
                broadcast: entry.ifa_flags & iffBroadcast != 0 ? other : nil,
                pointToPoint: entry.ifa_flags & iffBroadcast == 0 && entry.ifa_flags & iffPointToPoint != 0 ? other : nil))
        }
        return out
    }
}
