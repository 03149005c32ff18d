import VigilSystem

/// osquery's encoding and hashing functions: to_base64, from_base64,
/// conditional_to_base64, md5, sha1, sha256 (hex digests of the argument's text).
enum EncodingFunctions {
    static let all: [SQLFunction] = [
        SQLFunction("to_base64", 1) { args in args.bytes(0).map { .text(Base64.encode($0)) } ?? .null },
        SQLFunction("conditional_to_base64", 1) { args in
            guard let bytes = args.bytes(0) else { return .null }
            // Printable ASCII stays as it is; anything else is encoded.
            return bytes.allSatisfy({ (0x20...0x7e).contains($0) }) ? .textOrBlob(bytes) : .text(Base64.encode(bytes))
        },
        // Text that is not base64 decodes to empty text, as in osquery.
        SQLFunction("from_base64", 1) { args in args.bytes(0).map { .textOrBlob(Base64.decode($0) ?? []) } ?? .null },
        digest("md5", .md5),
        digest("sha1", .sha1),
        digest("sha256", .sha256),
    ]

    static func digest(_ name: String, _ algorithm: DigestAlgorithm) -> SQLFunction {
        SQLFunction(name, 1) { args in
            // osquery hashes the C string: the text up to a NUL byte.
            guard let bytes = args.bytes(0) else { return .null }
            return .text(Digest.hex(Digest.bytes(of: bytes.prefix(while: { $0 != 0 }), algorithm)))
        }
    }
}
