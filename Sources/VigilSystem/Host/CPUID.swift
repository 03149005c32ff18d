import CLinux

/// Feature bits and identification strings from the CPUID instruction (x86), named
/// as the kernel names the same bits in /proc/cpuinfo's flags.
public enum CPUID {
    public struct Feature: Sendable {
        public let name: String
        /// "eax", "ebx", "ecx" or "edx".
        public let register: String
        public let bit: Int
        public let leaf: UInt32
    }

    public struct Value: Sendable, Equatable {
        public let feature: String
        public let value: String
        public let register: String
        public let bit: Int
        public let leaf: UInt32
    }

    /// The registers of one leaf (subleaf 0); nil past the CPU's highest leaf or off x86.
    public static func registers(_ leaf: UInt32, subleaf: UInt32 = 0) -> [UInt32]? {
        var out: [UInt32] = [0, 0, 0, 0]
        return vigil_cpuid(leaf, subleaf, &out) != 0 ? out : nil
    }

    /// The vendor and brand strings, then every known feature bit with "1" or "0".
    /// Empty off x86.
    public static func values() -> [Value] {
        guard let zero = registers(0) else { return [] }
        var out: [Value] = []
        out.append(Value(feature: "vendor", value: ascii([zero[1], zero[3], zero[2]]), register: "ebx,edx,ecx", bit: 0, leaf: 0))
        let brand = (0x8000_0002...0x8000_0004).compactMap { registers(UInt32($0)) }.flatMap { $0 }
        if brand.count == 12 {
            out.append(Value(feature: "product_name", value: ascii(brand).trimmingCharacters(), register: "eax,ebx,ecx,edx", bit: 0, leaf: 0x8000_0002))
        }
        var cache: [UInt32: [UInt32]] = [:]
        for f in features {
            if cache[f.leaf] == nil { cache[f.leaf] = registers(f.leaf) ?? [0, 0, 0, 0] }
            let regs = cache[f.leaf]!
            let word = regs[["eax", "ebx", "ecx", "edx"].firstIndex(of: f.register)!]
            out.append(Value(feature: f.name, value: word >> UInt32(f.bit) & 1 == 1 ? "1" : "0", register: f.register, bit: f.bit, leaf: f.leaf))
        }
        return out
    }

    static func ascii(_ words: [UInt32]) -> String {
        let bytes = words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        return String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// Intel SDM vol. 2A, CPUID: leaf 1 ECX/EDX, leaf 7 EBX/ECX/EDX, leaf 0x80000001 ECX/EDX.
    public static let features: [Feature] = {
        func bits(_ leaf: UInt32, _ register: String, _ names: [Int: String]) -> [Feature] {
            names.keys.sorted().map { Feature(name: names[$0]!, register: register, bit: $0, leaf: leaf) }
        }
        return bits(1, "edx", [0: "fpu", 1: "vme", 2: "de", 3: "pse", 4: "tsc", 5: "msr", 6: "pae", 7: "mce", 8: "cx8", 9: "apic",
                               11: "sep", 12: "mtrr", 13: "pge", 14: "mca", 15: "cmov", 16: "pat", 17: "pse36", 19: "clflush",
                               23: "mmx", 24: "fxsr", 25: "sse", 26: "sse2", 27: "ss", 28: "ht"])
            + bits(1, "ecx", [0: "pni", 1: "pclmulqdq", 3: "monitor", 5: "vmx", 6: "smx", 9: "ssse3", 12: "fma", 13: "cx16",
                              19: "sse4_1", 20: "sse4_2", 21: "x2apic", 22: "movbe", 23: "popcnt", 25: "aes", 26: "xsave",
                              28: "avx", 29: "f16c", 30: "rdrand", 31: "hypervisor"])
            + bits(7, "ebx", [0: "fsgsbase", 3: "bmi1", 4: "hle", 5: "avx2", 7: "smep", 8: "bmi2", 9: "erms", 10: "invpcid",
                              11: "rtm", 16: "avx512f", 17: "avx512dq", 18: "rdseed", 19: "adx", 20: "smap", 23: "clflushopt",
                              24: "clwb", 29: "sha_ni", 30: "avx512bw", 31: "avx512vl"])
            + bits(7, "ecx", [1: "avx512vbmi", 2: "umip", 3: "pku", 8: "gfni", 9: "vaes", 10: "vpclmulqdq", 22: "rdpid"])
            + bits(7, "edx", [4: "fsrm", 10: "md_clear", 27: "stibp", 29: "arch_capabilities", 31: "ssbd"])
            + bits(0x8000_0001, "ecx", [0: "lahf_lm", 5: "abm", 8: "3dnowprefetch"])
            + bits(0x8000_0001, "edx", [11: "syscall", 20: "nx", 26: "pdpe1gb", 27: "rdtscp", 29: "lm"])
    }()
}
