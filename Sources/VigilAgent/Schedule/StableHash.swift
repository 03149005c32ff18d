/// A hash that is the same in every process and release (Swift's `Hasher` is seeded per
/// process), so that a host's shard and each query's splay survive restarts and upgrades.
/// FNV-1a over UTF-8, then a 64-bit finalizer so that nearby strings spread over all bits.
public enum StableHash {
    public static func hash(_ parts: String...) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for (i, part) in parts.enumerated() {
            // A separator keeps ("ab", "c") and ("a", "bc") apart.
            if i > 0 { h = (h ^ 0xff) &* 0x0000_0100_0000_01b3 }
            for byte in part.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    /// The host's shard, 1…100. A query with `shard: N` runs where this is <= N, so
    /// raising N only ever adds hosts.
    public static func shard(hostIdentifier: String) -> Int {
        Int(hash("shard", hostIdentifier) % 100) + 1
    }

    /// `interval` moved by up to `percent` of itself either way, the same for a given
    /// query and host every time. Never below one second.
    public static func splay(interval: Int, percent: Int, name: String, hostIdentifier: String) -> Int {
        let spread = interval * min(max(percent, 0), 100) / 100
        guard spread > 0 else { return max(interval, 1) }
        let offset = Int(hash("splay", name, hostIdentifier) % UInt64(2 * spread + 1)) - spread
        return max(interval + offset, 1)
    }

    /// Seconds after start before a query's first run, below `limit`: spreads the first
    /// runs of a schedule over a minute instead of running everything at once.
    public static func startDelay(name: String, hostIdentifier: String, limit: Int) -> Int {
        guard limit > 1 else { return 0 }
        return Int(hash("start", name, hostIdentifier) % UInt64(limit))
    }
}
