import Glibc
import VigilSystem

/// osquery's network functions: inet_aton, in_cidr_block, community_id_v1 (and its
/// _strict form, which fails where community_id_v1 gives NULL).
enum NetworkFunctions {
    static let all: [SQLFunction] = [
        SQLFunction("inet_aton", 1) { args in
            // IPv4 only: an IPv6 address or bad text gives NULL.
            guard let text = args.text(0), !text.contains(":"), let ip = IPAddress(text), ip.bytes.count == 4 else { return .null }
            return .integer(ip.bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) })
        },
        SQLFunction("in_cidr_block", 2) { args throws(FunctionError) in
            guard args.isText(0) else { throw FunctionError("CIDR must be a string") }
            guard args.isText(1) else { throw FunctionError("IP address must be a string") }
            guard let ip = IPAddress(args.text(1)!) else { throw FunctionError("IP address cannot be parsed") }
            let family = ip.bytes.count == 4 ? "v4" : "v6"
            guard let block = CIDRBlock(args.text(0)!), block.network.bytes.count == ip.bytes.count else {
                throw FunctionError("CIDR for IP address \(family) cannot be parsed")
            }
            return SQLValue(block.containsHost(ip))
        },
        SQLFunction("community_id_v1", 5) { args in (try? communityID(args)) ?? .null },
        SQLFunction("community_id_v1", 6) { args in (try? communityID(args)) ?? .null },
        SQLFunction("community_id_v1_strict", 5) { args throws(FunctionError) in try communityID(args) },
        SQLFunction("community_id_v1_strict", 6) { args throws(FunctionError) in try communityID(args) },
    ]

    /// Community ID v1 of a flow (corelight's community-id-spec): "1:" and the base64
    /// SHA-1 of seed, both addresses and ports in order (smaller endpoint first),
    /// protocol and a zero byte.
    static func communityID(_ args: FunctionArguments) throws(FunctionError) -> SQLValue {
        var seed: UInt16 = 0
        if args.count == 6 {
            guard args.isInteger(5) else { throw FunctionError("Community ID seed must be an integer") }
            guard let s = Int16(exactly: args.int64(5)) else { throw FunctionError("Community ID seed must fit in 2 bytes") }
            seed = UInt16(bitPattern: s)
        }
        guard args.isText(0), args.isText(1) else { throw FunctionError("Community ID IPs must be strings") }
        guard var source = IPAddress(args.text(0)!) else { throw FunctionError("Community ID saddr cannot be parsed as IP") }
        guard var destination = IPAddress(args.text(1)!) else { throw FunctionError("Community ID daddr cannot be parsed as IP") }
        guard args.isInteger(2), args.isInteger(3) else { throw FunctionError("Community ID ports must be integers") }
        guard var sport = UInt16(exactly: args.int64(2)), var dport = UInt16(exactly: args.int64(3)) else {
            throw FunctionError("Community ID ports must fit in 2 bytes")
        }
        guard args.isInteger(4) else { throw FunctionError("Community ID protocol must be an integer") }
        guard let proto = UInt8(exactly: args.int64(4)) else { throw FunctionError("Community ID protocol must fit in 1 byte") }
        if !(source < destination || (source == destination && sport < dport)) {
            swap(&source, &destination)
            swap(&sport, &dport)
        }
        var bytes: [UInt8] = [UInt8(seed >> 8), UInt8(seed & 0xff)]
        bytes += source.bytes + destination.bytes + [proto, 0]
        bytes += [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff)]
        return .text("1:" + Base64.encode(Digest.bytes(of: bytes, .sha1)))
    }
}

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address parsed with inet_pton. Ordered as
/// osquery's (boost's) addresses are: IPv4 before IPv6, then by bytes.
struct IPAddress: Comparable {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.bytes.count != b.bytes.count ? a.bytes.count < b.bytes.count : a.bytes.lexicographicallyPrecedes(b.bytes)
    }
}

/// "ADDRESS/PREFIX" as boost's make_network_v4/v6 read it.
struct CIDRBlock {
    let network: IPAddress
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let prefix = Int(parts[1]),
              prefix >= 0, prefix <= address.bytes.count * 8, parts[1].allSatisfy(\.isASCII) else { return nil }
        self.network = address
        self.prefix = prefix
    }

    /// Whether `ip` is one of the block's hosts. For IPv4 below /31 the network and
    /// broadcast addresses are not hosts (boost's network_v4::hosts()).
    func containsHost(_ ip: IPAddress) -> Bool {
        let bits = network.bytes.count * 8
        func masked(_ b: [UInt8], keepHost: Bool) -> [UInt8] {
            b.enumerated().map { i, byte in
                let keep = max(0, min(8, prefix - i * 8))
                let mask: UInt8 = keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
                return keepHost ? byte & ~mask : byte & mask
            }
        }
        guard masked(ip.bytes, keepHost: false) == masked(network.bytes, keepHost: false) else { return false }
        if bits == 32 && prefix <= 30 {
            let host = masked(ip.bytes, keepHost: true)
            let allOnes = masked([0xff, 0xff, 0xff, 0xff], keepHost: true)
            return host.contains(where: { $0 != 0 }) && host != allOnes
        }
        return true
    }
}
