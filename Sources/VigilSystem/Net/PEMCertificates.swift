import CTLS

/// The certificates of a PEM file (a CA bundle), parsed by OpenSSL, with the fields
/// osquery's certificates table shows (see vigil_cert_field in CTLS.h).
public struct PEMCertificate: Sendable, Equatable {
    /// Text fields by osquery's column names; a field the certificate lacks is absent.
    public let fields: [String: String]
    public let notValidBefore: Int64
    public let notValidAfter: Int64
    public let isCA: Bool
    public let isSelfSigned: Bool

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Column names of `vigil_cert_field`, in its order.
    public static let fieldNames = ["common_name", "subject", "subject2", "issuer", "issuer2", "signing_algorithm",
                                    "key_algorithm", "key_strength", "key_usage", "subject_key_id", "authority_key_id",
                                    "sha1", "serial"]

    /// Every certificate in the PEM file at `path`, in file order.
    public static func read(_ path: String) throws(Failure) -> [PEMCertificate] {
        var certs: UnsafeMutablePointer<vigil_cert>?
        var error = [CChar](repeating: 0, count: 512)
        let count = vigil_pem_certificates(path, &certs, &error, error.count)
        guard count >= 0, let certs else {
            throw Failure(description: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { vigil_certs_free(certs, count) }
        return (0..<Int(count)).map { PEMCertificate(certs[$0]) }
    }

    /// One DER-encoded certificate (as UEFI's signature lists hold them); nil when the
    /// bytes are not one.
    public static func der(_ bytes: [UInt8]) -> PEMCertificate? {
        var c = vigil_cert()
        guard bytes.withUnsafeBufferPointer({ vigil_der_certificate($0.baseAddress, $0.count, &c) }) == 0 else { return nil }
        defer { vigil_cert_clear(&c) }
        return PEMCertificate(c)
    }

    private init(_ c: vigil_cert) {
        var fields: [String: String] = [:]
        withUnsafeBytes(of: c.fields) { raw in
            for (j, pointer) in raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self).enumerated() where j < Self.fieldNames.count {
                if let pointer { fields[Self.fieldNames[j]] = String(cString: pointer) }
            }
        }
        self.fields = fields
        notValidBefore = c.not_valid_before
        notValidAfter = c.not_valid_after
        isCA = c.ca != 0
        isSelfSigned = c.self_signed != 0
    }
}
