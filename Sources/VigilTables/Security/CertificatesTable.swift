import VigilSQL
import VigilSystem

/// `certificates`: the certificates of the system's CA bundles (RHEL's
/// /etc/pki/tls/certs/ca-bundle.crt, Debian's /etc/ssl/certs/ca-certificates.crt),
/// or of the PEM files named by `path =`, parsed by OpenSSL. As in osquery a field
/// a certificate lacks is empty text. A default bundle that is absent is skipped;
/// a named file that cannot be read or holds no PEM certificate is an error.
public struct CertificatesTable: VirtualTable {
    public let schema = TableSchema("certificates", "Certificate Authorities installed in Keychains/ca-bundles. NOTE: osquery limits frequent access to keychain files on macOS. This limit is controlled by keychain_access_interval flag. On macOS, 'path' may point to either a keychain file or a DER/PEM-encoded certificate file; non-keychain files are parsed as DER/PEM.", [
        Column("common_name", .text, "Certificate CommonName"),
        Column("subject", .text, "Certificate distinguished name (deprecated, use subject2)"),
        Column("subject2", .text, "Certificate distinguished name", .hidden),
        Column("issuer", .text, "Certificate issuer distinguished name (deprecated, use issuer2)"),
        Column("issuer2", .text, "Certificate issuer distinguished name", .hidden),
        Column("ca", .integer, "1 if CA: true (certificate is an authority) else 0"),
        Column("self_signed", .integer, "1 if self-signed, else 0"),
        Column("not_valid_before", .datetime, "Lower bound of valid date"),
        Column("not_valid_after", .datetime, "Certificate expiration data"),
        Column("signing_algorithm", .text, "Signing algorithm used"),
        Column("key_algorithm", .text, "Key algorithm used"),
        Column("key_strength", .text, "Key size used for RSA/DSA, or curve name"),
        Column("key_usage", .text, "Certificate key usage and extended key usage"),
        Column("subject_key_id", .text, "SKID an optionally included SHA1"),
        Column("authority_key_id", .text, "AKID an optionally included SHA1"),
        Column("sha1", .text, "SHA1 hash of the raw certificate contents"),
        // osquery hands every constraint to its generator; here only index columns get them, hence .index.
        Column("path", .text, "Path to Keychain or PEM bundle", .additional),
        Column("serial", .text, "Certificate serial number"),
        // Windows-only columns in osquery: hidden here so that queries written for Windows still prepare.
        Column("sid", .text, "SID (Windows only: NULL)", .hidden),
        Column("store_location", .text, "Certificate system store location (Windows only: NULL)", .hidden),
        Column("store", .text, "Certificate system store (Windows only: NULL)", .hidden),
        Column("username", .text, "Username (Windows only: NULL)", .hidden),
        Column("store_id", .text, "Raw store id of service/user stores (Windows only: NULL)", .hidden),
    ])
    static let defaultBundles = ["/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt"]

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let named = context.texts("path")
        var rows: [Row] = []
        for path in named ?? Self.defaultBundles {
            if named == nil && !FileSystem.exists(path) { continue }
            let certs: [PEMCertificate]
            do { certs = try PEMCertificate.read(path) } catch { throw TableError("certificates: \(error)") }
            if named != nil && certs.isEmpty { throw TableError("certificates: \(path) holds no PEM certificate") }
            for cert in certs {
                var r = Row(schema)
                for name in PEMCertificate.fieldNames { r[name] = .text(cert.fields[name] ?? "") }
                r["ca"] = .integer(cert.isCA ? 1 : 0)
                r["self_signed"] = .integer(cert.isSelfSigned ? 1 : 0)
                r["not_valid_before"] = .integer(cert.notValidBefore)
                r["not_valid_after"] = .integer(cert.notValidAfter)
                r["path"] = .text(path)
                rows.append(r)
            }
        }
        return RowSequence(rows)
    }
}
