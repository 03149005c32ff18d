import VigilSystem

/// A 128-bit identity of a trace: the first 16 bytes of SHA-256 over each frame's
/// kind, file ID and address. Why SHA-256 rather than a faster non-cryptographic
/// hash: the addresses come from processes we do not trust, and with a 64-bit or
/// FNV-style hash a process could craft colliding stacks and hide its own samples
/// under another trace; SHA-256 has no such shortcut, and OpenSSL's SHA extensions
/// hash a 64-frame trace (1.6 KB) in about a microsecond. 128 bits make accidental
/// collisions negligible (the otel profiler keys traces the same way).
public struct TraceHash: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public var description: String { FileID(high: high, low: low).description }
}

/// Hashes traces, reusing one digest context and one byte buffer.
final class TraceHasher {
    private let digest = DigestContext(.sha256)
    private var buffer: [UInt8] = []

    func hash(_ frames: [Frame]) -> TraceHash {
        buffer.removeAll(keepingCapacity: true)
        for f in frames {
            buffer.append(f.kind.rawValue)
            append(f.file.high)
            append(f.file.low)
            append(f.address)
        }
        digest.update(buffer)
        let id = FileID(bytes: digest.finish())
        return TraceHash(high: id.high, low: id.low)
    }

    private func append(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) }
    }
}
