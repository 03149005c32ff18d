/// One neighbour entry from /proc/net/arp.
public struct ArpEntry: Sendable, Equatable {
    public let address: String
    public let hardwareType: Int
    /// ATF_* flags: 0x2 complete, 0x4 permanent.
    public let flags: Int
    public let mac: String
    public let interface: String

    public var isPermanent: Bool { flags & 0x4 != 0 }
}

public enum ArpCache {
    public static func read(path: String = "/proc/net/arp") throws(SystemError) -> [ArpEntry] {
        parse(try FileSystem.readText(path))
    }

    /// "IP address  HW type  Flags  HW address  Mask  Device", hex numbers with 0x.
    public static func parse(_ text: String) -> [ArpEntry] {
        FileSystem.lines(text).dropFirst().compactMap { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 6 else { return nil }
            let hex = { (s: Substring) in Int(s.hasPrefix("0x") ? s.dropFirst(2) : s, radix: 16) ?? 0 }
            return ArpEntry(address: String(f[0]), hardwareType: hex(f[1]), flags: hex(f[2]),
                            mac: String(f[3]), interface: String(f[5]))
        }
    }
}
