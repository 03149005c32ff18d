import VigilSystem

/// FNV-1a with a 128-bit state (the variant Go's hash/fnv calls New128a). The
/// otel profiler derives a kernel's file ID from it, over the hex build ID, so the
/// kernel gets an ID from its build alone, without reading the image.
struct FNV128a {
    // Published FNV-128 parameters.
    static let offsetBasis: UInt128 = 0x6c62272e07bb014262b821756295c58d
    static let prime: UInt128 = 0x0000000001000000000000000000013B

    private(set) var state = FNV128a.offsetBasis

    mutating func update(_ bytes: some Sequence<UInt8>) {
        for b in bytes {
            state ^= UInt128(b)
            state = state &* FNV128a.prime
        }
    }

    /// The state big-endian, as Go's Sum appends it.
    var digest: [UInt8] {
        (0..<16).map { i in UInt8(truncatingIfNeeded: state >> (120 - 8 * UInt128(i))) }
    }
}

extension FileID {
    /// A kernel's (or kernel module's) file ID: FNV-1a-128 of its GNU build ID in hex.
    public static func ofKernel(buildID: [UInt8]) -> FileID {
        var h = FNV128a()
        h.update(Digest.hex(buildID).utf8)
        return FileID(bytes: h.digest)
    }
}
