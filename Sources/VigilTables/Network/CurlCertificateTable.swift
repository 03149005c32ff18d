import VigilSQL
import VigilSystem

/// `curl_certificate`: the certificate each `hostname =` (domain[:port], port 443
/// by default) serves over TLS, with OpenSSL's rendering of its fields, as osquery
/// shows them. A host that cannot be reached gives no row, as in osquery. The PEM
/// text is filled when `dump_certificate = 1`; `timeout =` sets the seconds each
/// network step may take (4 by default).
public struct CurlCertificateTable: VirtualTable {
    public let schema = TableSchema("curl_certificate", "Inspect TLS certificates by connecting to input hostnames.", [
        Column("hostname", .text, "Hostname (domain[:port]) to CURL", .required),
        Column("common_name", .text, "Common name of company issued to"),
        Column("organization", .text, "Organization issued to"),
        Column("organization_unit", .text, "Organization unit issued to"),
        Column("serial_number", .text, "Certificate serial number"),
        Column("issuer_common_name", .text, "Issuer common name"),
        Column("issuer_organization", .text, "Issuer organization"),
        Column("issuer_organization_unit", .text, "Issuer organization unit"),
        Column("valid_from", .text, "Period of validity start date"),
        Column("valid_to", .text, "Period of validity end date"),
        Column("sha256_fingerprint", .text, "SHA-256 fingerprint"),
        Column("sha1_fingerprint", .text, "SHA1 fingerprint"),
        Column("version", .integer, "Version Number"),
        Column("signature_algorithm", .text, "Signature Algorithm"),
        Column("signature", .text, "Signature"),
        Column("subject_key_identifier", .text, "Subject Key Identifier"),
        Column("authority_key_identifier", .text, "Authority Key Identifier"),
        Column("key_usage", .text, "Usage of key in certificate"),
        Column("extended_key_usage", .text, "Extended usage of key in certificate"),
        Column("policies", .text, "Certificate Policies"),
        Column("subject_alternative_names", .text, "Subject Alternative Name"),
        Column("issuer_alternative_names", .text, "Issuer Alternative Name"),
        Column("info_access", .text, "Authority Information Access"),
        Column("subject_info_access", .text, "Subject Information Access"),
        Column("policy_mappings", .text, "Policy Mappings"),
        Column("has_expired", .integer, "1 if the certificate has expired, 0 otherwise"),
        Column("basic_constraint", .text, "Basic Constraints"),
        Column("name_constraints", .text, "Name Constraints"),
        Column("policy_constraints", .text, "Policy Constraints"),
        Column("dump_certificate", .integer, "Set this value to '1' to dump certificate", [.additional, .hidden]),
        Column("timeout", .integer, "Set this value to the timeout in seconds to complete the TLS handshake (default 4s, use 0 for no timeout)", [.additional, .hidden]),
        Column("pem", .text, "Certificate PEM format"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let hostnames = context.texts("hostname") else { throw TableError.missingRequired(schema) }
        let dump = context.integers("dump_certificate")?.contains(1) == true
        // 0 means no timeout: a day stands in for it.
        let seconds = context.integers("timeout")?.first ?? 4
        let timeout = Int32(clamping: seconds <= 0 ? 86_400_000 : seconds * 1000)
        return RowSequence(hostnames) { hostname in
            let (host, port) = Self.split(hostname)
            guard let cert = try? TLSCertificate.fetch(host: host, port: port, timeoutMilliseconds: timeout) else { return nil }
            var row = Row(schema)
            row["hostname"] = .text(hostname)
            // Absent subject parts and extensions are '', as osquery leaves them.
            for name in TLSCertificate.fieldNames where name != "pem" { row[name] = .text(cert.fields[name] ?? "") }
            row["version"] = .integer(Int64(cert.version))
            row["has_expired"] = .integer(cert.hasExpired ? 1 : 0)
            row["dump_certificate"] = .integer(dump ? 1 : 0)
            row["timeout"] = .integer(seconds)
            if dump { row["pem"] = SQLValue(cert.fields["pem"]) }
            return row
        }
    }

    /// "example.com:8443" → ("example.com", "8443"); no port → 443. A bracketed IPv6
    /// address keeps its colons ("[::1]:8443").
    static func split(_ hostname: String) -> (String, String) {
        if hostname.hasPrefix("["), let close = hostname.firstIndex(of: "]") {
            let host = String(hostname[hostname.index(after: hostname.startIndex)..<close])
            let rest = hostname[hostname.index(after: close)...]
            return (host, rest.hasPrefix(":") ? String(rest.dropFirst()) : "443")
        }
        guard let colon = hostname.firstIndex(of: ":") else { return (hostname, "443") }
        return (String(hostname[..<colon]), String(hostname[hostname.index(after: colon)...]))
    }
}
