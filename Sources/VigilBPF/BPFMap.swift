import CVigilBPF
import Glibc

/// A map of a BPF object. Size changes go before load; element access after.
public struct BPFMap {
    let handle: OpaquePointer
    let object: BPFObject
    public let name: String

    public var fileDescriptor: Int32 { bpf_map__fd(handle) }

    /// bpf_map__set_max_entries (before load).
    public func setMaxEntries(_ n: UInt32) throws(BPFError) {
        let rc = bpf_map__set_max_entries(handle, n)
        if rc != 0 { throw BPFError.from("resize map \(name)", code: rc) }
    }

    /// Insert or replace one element (bpf_map_update_elem).
    public func update<K, V>(key: K, value: V) throws(BPFError) {
        var k = key, v = value
        let rc = bpf_map_update_elem(fileDescriptor, &k, &v, UInt64(BPF_ANY))
        if rc != 0 { throw BPFError.from("update map \(name)", code: rc == -1 ? errno : rc) }
    }

    /// How many keys the map holds (bpf_map_get_next_key from the start), up to
    /// `limit`: a walk of a hash map that other CPUs change may see a key twice or
    /// miss one, so this is for small maps and "is anything left" questions.
    public func keyCount(keySize: Int, limit: Int = 1 << 16) -> Int {
        var current = [UInt8](repeating: 0, count: keySize)
        var next = [UInt8](repeating: 0, count: keySize)
        var count = 0
        var rc = bpf_map_get_next_key(fileDescriptor, nil, &next)
        while rc == 0 && count < limit {
            count += 1
            swap(&current, &next)
            rc = bpf_map_get_next_key(fileDescriptor, current, &next)
        }
        return count
    }

    /// Sum of a per-CPU UInt64 value over every possible CPU (lookup of a PERCPU_ARRAY slot).
    public func perCPUSum(key: UInt32) -> UInt64 {
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { return 0 }
        var values = [UInt64](repeating: 0, count: cpus)
        var k = key
        guard bpf_map_lookup_elem(fileDescriptor, &k, &values) == 0 else { return 0 }
        return values.reduce(0, &+)
    }
}
