import CCrypto

/// What a private key file says about itself without its passphrase: type, size,
/// strength and whether it is encrypted. OpenSSH's own format keeps the public key
/// in the clear, so even an encrypted key has a type and size; an encrypted PEM
/// key (PKCS#1 with Proc-Type ENCRYPTED, or PKCS#8 ENCRYPTED) has only its type.
public struct SSHPrivateKey: Sendable, Equatable {
    /// "rsa", "dsa", "ecdsa", "ed25519", or "" when unknown.
    public var type: String
    public var bits: Int?
    /// Strength in bits as OpenSSL rates it (EVP_PKEY_get_security_bits).
    public var securityBits: Int?
    public var encrypted: Bool

    /// nil when `bytes` is not a private key in a format ssh reads.
    public static func parse(_ bytes: [UInt8]) -> SSHPrivateKey? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let begin = text.firstRange(of: "-----BEGIN "), let dashes = text[begin.upperBound...].firstRange(of: "-----") else { return nil }
        let label = String(text[begin.upperBound..<dashes.lowerBound])
        guard label.hasSuffix("PRIVATE KEY") else { return nil }
        if label == "OPENSSH PRIVATE KEY" {
            let body = text[dashes.upperBound...].prefix(while: { $0 != "-" })
            return openSSH(Base64.decode(body.utf8.filter { $0 != 32 && $0 != 9 }) ?? [])
        }
        let kind: String
        switch label {
        case "RSA PRIVATE KEY": kind = "rsa"
        case "DSA PRIVATE KEY": kind = "dsa"
        case "EC PRIVATE KEY": kind = "ecdsa"
        default: kind = ""
        }
        if label == "ENCRYPTED PRIVATE KEY" || text.contains("Proc-Type: 4,ENCRYPTED") {
            return SSHPrivateKey(type: kind, bits: nil, securityBits: nil, encrypted: true)
        }
        return pem(bytes, fallbackType: kind)
    }

    /// An unencrypted PEM key through OpenSSL (no passphrase callback: never prompts).
    static func pem(_ bytes: [UInt8], fallbackType: String) -> SSHPrivateKey? {
        let key: OpaquePointer? = bytes.withUnsafeBytes { buf in
            guard let bio = BIO_new_mem_buf(buf.baseAddress, Int32(buf.count)) else { return nil }
            defer { BIO_free(bio) }
            // A callback that gives no passphrase: OpenSSL's default would ask on the terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else { return SSHPrivateKey(type: fallbackType, bits: nil, securityBits: nil, encrypted: false) }
        defer { EVP_PKEY_free(key) }
        let type: String
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: type = "rsa"
        case EVP_PKEY_DSA: type = "dsa"
        case EVP_PKEY_EC: type = "ecdsa"
        case EVP_PKEY_ED25519: type = "ed25519"
        default: type = fallbackType
        }
        return SSHPrivateKey(type: type, bits: Int(EVP_PKEY_get_bits(key)), securityBits: Int(EVP_PKEY_get_security_bits(key)), encrypted: false)
    }

    /// openssh-key-v1: magic, cipher name, KDF name, KDF options, key count, then the
    /// first public key blob (PROTOCOL.key in OpenSSH's sources).
    static func openSSH(_ data: [UInt8]) -> SSHPrivateKey? {
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard data.starts(with: magic) else { return nil }
        var reader = SSHWireReader(data, at: magic.count)
        guard let cipher = reader.string(), reader.string() != nil, reader.string() != nil,
              let count = reader.uint32(), count >= 1, let blob = reader.string() else { return nil }
        var key = SSHPrivateKey(type: "", bits: nil, securityBits: nil, encrypted: String(decoding: cipher, as: UTF8.self) != "none")
        var pub = SSHWireReader(blob, at: 0)
        let name = String(decoding: pub.string() ?? [], as: UTF8.self)
        switch name {
        case "ssh-rsa":
            _ = pub.string()  // e
            key.type = "rsa"
            key.bits = pub.string().map(Self.bitLength)
        case "ssh-dss":
            key.type = "dsa"
            key.bits = pub.string().map(Self.bitLength)
        case "ssh-ed25519", "sk-ssh-ed25519@openssh.com":
            key.type = "ed25519"
            key.bits = 256
        default:
            if name.hasPrefix("ecdsa-sha2-nistp") || name.hasPrefix("sk-ecdsa-sha2-nistp") {
                key.type = "ecdsa"
                key.bits = Int(name.split(separator: "p").last?.prefix(while: \.isNumber) ?? "")
            } else {
                key.type = name
            }
        }
        key.securityBits = key.bits.map { Self.securityBits(type: key.type, bits: $0) }
        return key
    }

    /// Bits of a big-endian mpint (leading zero bytes do not count).
    static func bitLength(_ mpint: [UInt8]) -> Int {
        guard let first = mpint.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (mpint.count - first - 1) * 8 + (8 - mpint[first].leadingZeroBitCount)
    }

    /// OpenSSL's ratings: RSA and DSA by NIST SP 800-57's table, elliptic curves at half
    /// the order's size, Ed25519 at 128.
    static func securityBits(type: String, bits: Int) -> Int {
        switch type {
        case "ed25519": return 128
        case "ecdsa": return bits / 2
        default:
            for (size, strength) in [(15360, 256), (7680, 192), (3072, 128), (2048, 112), (1024, 80)] where bits >= size { return strength }
            return 0
        }
    }
}

/// Reads SSH wire-format fields (RFC 4251: uint32 lengths, big-endian).
struct SSHWireReader {
    let data: [UInt8]
    var offset: Int

    init(_ data: [UInt8], at offset: Int) { self.data = data; self.offset = offset }

    mutating func uint32() -> UInt32? {
        guard offset + 4 <= data.count else { return nil }
        defer { offset += 4 }
        return data[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func string() -> [UInt8]? {
        guard let n = uint32(), offset + Int(n) <= data.count else { return nil }
        defer { offset += Int(n) }
        return Array(data[offset..<offset + Int(n)])
    }
}
