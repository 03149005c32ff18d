import Glibc
import VigilSystem

/// An IPv4 or IPv6 address as two 64-bit words, so that matching a network is two
/// masks and compares. IPv4 sits in the low 32 bits of `lo`; an IPv4-mapped IPv6
/// address (::ffff:10.0.0.1) is read as the IPv4 address it carries, so that
/// 10.0.0.0/8 matches it as a reader would expect.
struct IPAddress: Hashable {
    let v6: Bool
    let hi: UInt64
    let lo: UInt64

    init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(v4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        let hi = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let lo = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if hi == 0, lo >> 32 == 0xffff {
            self.init(v4: UInt32(truncatingIfNeeded: lo))
        } else {
            self.init(v6: true, hi: hi, lo: lo)
        }
    }

    init(v4: UInt32) {
        self.init(v6: false, hi: 0, lo: UInt64(v4))
    }

    init(v6: Bool, hi: UInt64, lo: UInt64) {
        (self.v6, self.hi, self.lo) = (v6, hi, lo)
    }

    var bits: Int { v6 ? 128 : 32 }

    /// The text form, through inet_ntop (for messages).
    var text: String {
        if !v6 { return withUnsafeBytes(of: UInt32(lo).bigEndian) { InetAddress.text(family: InetAddress.familyInet, bytes: Array($0)) } ?? "" }
        let bytes = withUnsafeBytes(of: hi.bigEndian) { Array($0) } + withUnsafeBytes(of: lo.bigEndian) { Array($0) }
        return InetAddress.text(family: InetAddress.familyInet6, bytes: bytes) ?? ""
    }
}

/// A CIDR block: 10.0.0.0/8, fd00::/8; a bare address is the block of that one address.
struct IPNetwork: Hashable {
    let network: IPAddress
    let maskHi: UInt64
    let maskLo: UInt64

    enum Problem: Error {
        case malformed
        case hostBits(suggestion: String)

        func message(_ text: String) -> String {
            switch self {
            case .malformed: "'\(text)' is not a CIDR (like 10.0.0.0/8 or fd00::/8)"
            case .hostBits(let s): "'\(text)' has host bits set; did you mean '\(s)'?"
            }
        }
    }

    /// Host bits set (10.1.2.3/8) are refused: such a block is usually a typo for
    /// another prefix length, and silently masking it would match what was not meant.
    static func parse(_ text: String) -> Result<IPNetwork, Problem> {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return .failure(.malformed) }
        var length = address.bits
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(parts[1]), n <= address.bits
            else { return .failure(.malformed) }
            length = n
        }
        // A mapped IPv6 block (::ffff:10.0.0.0/104) was read as IPv4: shift its length too.
        if !address.v6, parts[0].contains(":") { length = max(0, length - 96) }
        let network = IPNetwork(address: address, length: length)
        if network.network != address {
            return .failure(.hostBits(suggestion: "\(network.network.text)/\(length)"))
        }
        return .success(network)
    }

    init(address: IPAddress, length: Int) {
        let (mh, ml): (UInt64, UInt64)
        if address.v6 {
            mh = length >= 64 ? ~0 : length == 0 ? 0 : ~0 << UInt64(64 - length)
            ml = length <= 64 ? 0 : length >= 128 ? ~0 : ~0 << UInt64(128 - length)
        } else {
            mh = 0
            ml = length == 0 ? 0 : (UInt64(UInt32.max) << UInt64(32 - length)) & UInt64(UInt32.max)
        }
        (maskHi, maskLo) = (mh, ml)
        network = address.v6
            ? IPAddress(v6: true, hi: address.hi & mh, lo: address.lo & ml)
            : IPAddress(v4: UInt32(address.lo & ml))
    }

    func contains(_ a: IPAddress) -> Bool {
        a.v6 == network.v6 && a.hi & maskHi == network.hi && a.lo & maskLo == network.lo
    }
}
