import Glibc
import VigilSystem

/// A 128-bit identity for an executable file, independent of its path and of the
/// machine, as the OpenTelemetry eBPF profiler defines it, so IDs match that
/// ecosystem's symbol servers:
///
///     Digest ← SHA256(File[:4096] ‖ File[-4096:] ‖ BigEndianUInt64(Len(File)))
///     FileID ← Digest[:16]
///
/// The slices follow their usual meaning: a file shorter than 4096 bytes is hashed
/// whole twice (the reference implementation reads min(size, 4096) bytes from each
/// end), and files between 4 and 8 KiB hash their overlap twice.
public struct FileID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The first 16 bytes of `bytes`, big-endian (the byte order the digest is printed in).
    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count >= 16, "a file ID needs 16 bytes")
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, b) in bytes.prefix(16).enumerated() {
            if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
        }
        high = h
        low = l
    }

    public static let zero = FileID(high: 0, low: 0)

    public var bytes: [UInt8] {
        (0..<16).map { i in UInt8(truncatingIfNeeded: (i < 8 ? high : low) >> (56 - 8 * UInt64(i % 8))) }
    }

    /// 32 lower-case hex digits.
    public var description: String { Digest.hex(bytes) }

    public static func < (a: FileID, b: FileID) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// The file ID of the file at `path`, reading at most 8 KiB of it.
    public static func ofFile(_ path: String) throws(SystemError) -> FileID {
        let fd = try retryingEINTR("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var st = stat()
        _ = try retryingEINTR("fstat", path: path) { fstat(fd, &st) }
        return try ofFile(descriptor: fd, size: UInt64(st.st_size), path: path)
    }

    /// The file ID of an open file of known size (pread: the offset is left alone).
    public static func ofFile(descriptor fd: Int32, size: UInt64, path: String) throws(SystemError) -> FileID {
        let chunk = 4096
        let digest = DigestContext(.sha256)
        var buffer = [UInt8](repeating: 0, count: chunk)
        let headCount = Int(min(size, UInt64(chunk)))
        try readFully(fd, into: &buffer, count: headCount, at: 0, path: path)
        digest.update(Array(buffer[0..<headCount]))
        let tailCount = Int(min(size, UInt64(chunk)))
        try readFully(fd, into: &buffer, count: tailCount, at: Int64(size) - Int64(tailCount), path: path)
        digest.update(Array(buffer[0..<tailCount]))
        digest.update((0..<8).map { i in UInt8(truncatingIfNeeded: size >> (56 - 8 * UInt64(i))) })
        return FileID(bytes: digest.finish())
    }

    /// The file ID of bytes in memory (an ELF image such as the vDSO).
    public static func ofBytes(_ bytes: UnsafeRawBufferPointer) -> FileID {
        let digest = DigestContext(.sha256)
        let n = bytes.count
        digest.update(UnsafeRawBufferPointer(rebasing: bytes[0..<min(n, 4096)]))
        digest.update(UnsafeRawBufferPointer(rebasing: bytes[(n - min(n, 4096))..<n]))
        digest.update((0..<8).map { i in UInt8(truncatingIfNeeded: UInt64(n) >> (56 - 8 * UInt64(i))) })
        return FileID(bytes: digest.finish())
    }

    /// pread until `count` bytes are in; a file that shrank under us is an error (EIO).
    private static func readFully(_ fd: Int32, into buffer: inout [UInt8], count: Int, at offset: Int64, path: String) throws(SystemError) {
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                var r: Int
                repeat { r = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done)) } while r < 0 && errno == EINTR
                return r
            }
            if n < 0 { throw SystemError("pread", path: path) }
            if n == 0 { throw SystemError("pread", path: path, errno: EIO) }
            done += n
        }
    }
}
