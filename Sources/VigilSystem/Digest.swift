import CCrypto
import Glibc

/// Message digests through OpenSSL's EVP interface (EVP_DigestInit_ex and friends),
/// which picks the CPU's SHA extensions when present.
public enum DigestAlgorithm: String, CaseIterable, Sendable {
    case md5, sha1, sha256

    var evp: OpaquePointer? {
        switch self {
        case .md5: return EVP_md5()
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        }
    }
}

public enum Digest {
    /// Hex digests of a file's contents for each requested algorithm, reading the
    /// file once in large chunks. Only a regular file on a disk is read
    /// (`RegularFile`): the path may be anyone's link to a FIFO or /proc/kmsg.
    public static func hashFile(_ path: String, algorithms: [DigestAlgorithm]) throws(SystemError) -> [DigestAlgorithm: String] {
        let fd = try RegularFile.open(path)
        defer { close(fd) }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        let contexts = algorithms.map { alg -> OpaquePointer in
            let ctx = EVP_MD_CTX_new()!
            EVP_DigestInit_ex(ctx, alg.evp, nil)
            return ctx
        }
        defer { contexts.forEach { EVP_MD_CTX_free($0) } }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try retryingEINTR("read", path: path) { Glibc.read(fd, buffer.baseAddress, chunk) }
            if n == 0 { break }
            for ctx in contexts { EVP_DigestUpdate(ctx, buffer.baseAddress, n) }
        }
        var out: [DigestAlgorithm: String] = [:]
        var md = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        for (alg, ctx) in zip(algorithms, contexts) {
            var length: UInt32 = 0
            EVP_DigestFinal_ex(ctx, &md, &length)
            out[alg] = hex(md[0..<Int(length)])
        }
        return out
    }

    /// The digest of bytes in memory (SQL's md5/sha1/sha256 functions, community IDs).
    public static func bytes(of data: some Collection<UInt8>, _ algorithm: DigestAlgorithm) -> [UInt8] {
        var md = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let input = Array(data)
        input.withUnsafeBytes { buf in
            _ = EVP_Digest(buf.baseAddress, buf.count, &md, &length, algorithm.evp, nil)
        }
        return Array(md[0..<Int(length)])
    }

    /// Lower-case hex of bytes.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
