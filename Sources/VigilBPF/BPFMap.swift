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
