import CCrypto

/// An incremental digest over bytes fed piecewise (EVP_DigestInit_ex, EVP_DigestUpdate,
/// EVP_DigestFinal_ex). Reusable: `finish()` resets it for the next message, so a hot
/// path (hashing every sampled stack) allocates the OpenSSL context once.
public final class DigestContext {
    private let context: OpaquePointer
    private let algorithm: DigestAlgorithm

    public init(_ algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        context = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(context, algorithm.evp, nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything fed since the last `finish()`; the context starts over.
    public func finish() -> [UInt8] {
        var md = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &md, &length)
        EVP_DigestInit_ex(context, algorithm.evp, nil)
        return Array(md[0..<Int(length)])
    }
}
