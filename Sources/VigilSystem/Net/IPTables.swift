import CIPTables
import Glibc

/// One chain of an iptables table, or one rule in it.
public struct IPTablesEntry: Sendable, Equatable {
    public var table: String
    public var chain: String
    /// The chain's policy (ACCEPT, DROP) for a built-in chain; "" for a user chain.
    public var policy: String
    /// nil for the chain's own row.
    public var rule: Rule?
    /// Packets and bytes: the rule's counters, or the policy's for the chain row.
    public var packets: UInt64
    public var bytes: UInt64

    public struct Rule: Sendable, Equatable {
        public var target: String
        public var proto: UInt16
        public var source: String, sourceMask: String, destination: String, destinationMask: String
        public var inInterface: String, inInterfaceMask: String, outInterface: String, outInterfaceMask: String
        /// Names of the rule's match extensions ("tcp", "conntrack").
        public var matches: [String]
        /// "min:max" of a tcp/udp match's ports; "" without one.
        public var sourcePorts: String, destinationPorts: String
    }
}

/// The kernel's IPv4 x_tables rule set through libiptc (iptc_init and friends):
/// what `iptables-legacy -L -v` shows. Rules made through nftables (Debian's default
/// `iptables`) live elsewhere and are not seen here. Needs CAP_NET_ADMIN.
public enum IPTables {
    /// Tables loaded in the kernel (/proc/net/ip_tables_names): filter, nat, mangle, ...
    public static func tableNames(_ path: String = "/proc/net/ip_tables_names") -> [String] {
        guard let text = FileSystem.readTextIfPresent(path) else { return [] }
        return FileSystem.lines(text).map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
    }

    /// Every chain of `table`, each followed by its rules.
    public static func entries(table: String) throws(SystemError) -> [IPTablesEntry] {
        guard let handle = iptc_init(table) else { throw SystemError("iptc_init", path: table) }
        defer { iptc_free(handle) }
        var out: [IPTablesEntry] = []
        var chainName = iptc_first_chain(handle)
        while let chainPointer = chainName {
            let chain = String(cString: chainPointer)
            var counters = xt_counters()
            let policy = iptc_get_policy(chainPointer, &counters, handle).map { String(cString: $0) } ?? ""
            out.append(IPTablesEntry(table: table, chain: chain, policy: policy, rule: nil,
                                     packets: policy.isEmpty ? 0 : counters.pcnt, bytes: policy.isEmpty ? 0 : counters.bcnt))
            var entry = iptc_first_rule(chainPointer, handle)
            while let e = entry {
                out.append(IPTablesEntry(table: table, chain: chain, policy: policy, rule: rule(e, handle),
                                         packets: e.pointee.counters.pcnt, bytes: e.pointee.counters.bcnt))
                entry = iptc_next_rule(e, handle)
            }
            chainName = iptc_next_chain(handle)
        }
        return out
    }

    static func rule(_ e: UnsafePointer<ipt_entry>, _ handle: OpaquePointer) -> IPTablesEntry.Rule {
        let ip = e.pointee.ip
        var r = IPTablesEntry.Rule(
            target: iptc_get_target(e, handle).map { String(cString: $0) } ?? "", proto: ip.proto,
            source: address(ip.src), sourceMask: address(ip.smsk), destination: address(ip.dst), destinationMask: address(ip.dmsk),
            inInterface: cString(ip.iniface), inInterfaceMask: maskHex(ip.iniface_mask),
            outInterface: cString(ip.outiface), outInterfaceMask: maskHex(ip.outiface_mask),
            matches: [], sourcePorts: "", destinationPorts: "")
        var index: UInt32 = 0
        while let m = vigil_ipt_match(e, index) {
            let name = String(cString: vigil_ipt_match_name(m))
            r.matches.append(name)
            if name == "tcp" || name == "udp" {
                var ports = [UInt16](repeating: 0, count: 4)
                vigil_ipt_match_ports(m, &ports)
                r.sourcePorts = "\(ports[0]):\(ports[1])"
                r.destinationPorts = "\(ports[2]):\(ports[3])"
            }
            index += 1
        }
        return r
    }

    static func address(_ a: in_addr) -> String {
        var a = a
        return InetAddress.text(family: AF_INET, bytes: withUnsafeBytes(of: &a) { Array($0) }) ?? ""
    }

    /// An interface name field (char[IFNAMSIZ]).
    static func cString<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    /// An interface mask as upper-case hex of its bytes up to the first zero (osquery's form).
    static func maskHex<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            raw.prefix(while: { $0 != 0 }).map { b in
                let digits = Array("0123456789ABCDEF")
                return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
            }.joined()
        }
    }
}
