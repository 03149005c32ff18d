import CTLS

/// A TLS server's certificate and its X.509 fields as OpenSSL prints them (see
/// CTLS.h): what osquery's curl_certificate table shows.
public struct TLSCertificate: Sendable {
    /// Text fields by osquery's column names; a field the certificate lacks is absent.
    public let fields: [String: String]
    public let version: Int
    public let hasExpired: Bool

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Column names of `vigil_x509_field`, in its order.
    public static let fieldNames = ["common_name", "organization", "organization_unit", "serial_number", "issuer_common_name",
                        "issuer_organization", "issuer_organization_unit", "valid_from", "valid_to",
                        "sha256_fingerprint", "sha1_fingerprint", "signature_algorithm", "signature",
                        "subject_key_identifier", "authority_key_identifier", "key_usage", "extended_key_usage",
                        "policies", "subject_alternative_names", "issuer_alternative_names", "info_access",
                        "subject_info_access", "policy_mappings", "basic_constraint", "name_constraints",
                        "policy_constraints", "pem"]

    /// The certificate `host`:`port` serves (no verification), each network step
    /// given `timeoutMilliseconds`.
    public static func fetch(host: String, port: String, timeoutMilliseconds: Int32) throws(Failure) -> TLSCertificate {
        var der: UnsafeMutablePointer<UInt8>?
        var length = 0
        var error = [CChar](repeating: 0, count: 512)
        guard vigil_tls_peer_certificate(host, port, timeoutMilliseconds, &der, &length, &error, error.count) == 0, let der else {
            throw Failure(description: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { vigil_tls_free(der) }
        var d = vigil_x509_description()
        guard vigil_x509_describe(der, length, &d) == 0 else { throw Failure(description: "\(host):\(port) sent a certificate that does not parse") }
        defer { vigil_x509_description_free(&d) }
        var fields: [String: String] = [:]
        withUnsafeBytes(of: d.fields) { raw in
            for (i, pointer) in raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self).enumerated() where i < fieldNames.count {
                if let pointer { fields[fieldNames[i]] = String(cString: pointer) }
            }
        }
        return TLSCertificate(fields: fields, version: Int(d.version), hasExpired: d.has_expired != 0)
    }
}
