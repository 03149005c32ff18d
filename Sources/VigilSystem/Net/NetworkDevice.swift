/// Link attributes and counters of one interface from /sys/class/net/NAME.
/// Each value is nil when the kernel does not provide it for this device
/// (the speed of a virtual link reads as EINVAL, for example).
public struct NetworkDevice: Sendable {
    public let name: String
    public let directory: String

    public init(_ name: String, root: String = "/sys/class/net") {
        self.name = name
        self.directory = "\(root)/\(name)"
    }

    /// Interface names under /sys/class/net.
    public static func names(root: String = "/sys/class/net") throws(SystemError) -> [String] {
        try FileSystem.list(root).sorted()
    }

    public var mtu: Int64? { integer("mtu") }
    /// ARPHRD_* link type (1 ethernet, 772 loopback...).
    public var type: Int64? { integer("type") }
    public var mac: String? { text("address") }
    /// IFF_* flags as the kernel keeps them (no IFF_RUNNING; getifaddrs has that).
    public var flags: Int64? { text("flags").flatMap { Int64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) } }
    /// Negotiated speed in Mb/s; nil for links without one (virtual, down: the kernel reports -1).
    public var speed: Int64? { integer("speed").flatMap { $0 >= 0 ? $0 : nil } }

    /// A counter from statistics/ (rx_bytes, tx_packets, collisions...).
    public func statistic(_ name: String) -> Int64? { integer("statistics/\(name)") }

    /// The PCI slot of the device behind the interface, from its uevent.
    public var pciSlot: String? {
        guard let uevent = FileSystem.readTextIfPresent("\(directory)/device/uevent") else { return nil }
        for line in FileSystem.lines(uevent) where line.hasPrefix("PCI_SLOT_NAME=") {
            return String(line.dropFirst(14))
        }
        return nil
    }

    func text(_ file: String) -> String? {
        FileSystem.readTextIfPresent("\(directory)/\(file)").map { $0.trimmingCharacters() }
    }

    func integer(_ file: String) -> Int64? { text(file).flatMap { Int64($0) } }
}
