import VigilSQL
import VigilSystem

/// `secureboot_certificates`: the X.509 certificates in UEFI Secure Boot's signature
/// databases, the efivarfs variables db-GUID and dbx-GUID: after the variable's 4
/// attribute bytes, EFI_SIGNATURE_LISTs (a 16-byte type GUID, then little-endian list,
/// header and entry sizes), whose entries of type EFI_CERT_X509_GUID hold a 16-byte
/// owner GUID and a DER certificate. Hash lists (most of dbx) have no certificate.
/// `path = X` reads those variable files instead (the store is the name's prefix).
public struct SecureBootCertificatesTable: VirtualTable {
    public let schema = TableSchema("secureboot_certificates", "X.509 certificates from UEFI Secure Boot signature databases (db and dbx EFI variables). Useful for monitoring CA expiry and adoption of updated certificates (e.g. Microsoft UEFI CA 2023).", [
        Column("common_name", .text, "Certificate CommonName"),
        Column("subject", .text, "Certificate subject distinguished name"),
        Column("issuer", .text, "Certificate issuer distinguished name"),
        Column("not_valid_before", .datetime, "Lower bound of valid date"),
        Column("not_valid_after", .datetime, "Certificate expiration date"),
        Column("sha1", .text, "SHA1 hash of the raw certificate contents").collated(.noCase),
        Column("serial", .text, "Certificate serial number").collated(.noCase),
        Column("store", .text, "EFI variable store name (db or dbx)"),
        Column("path", .text, "Path to the EFI variable file", .additional),
        Column("is_ca", .integer, "1 if the certificate is a CA, 0 otherwise"),
        Column("self_signed", .integer, "1 if the certificate is self-signed, 0 otherwise"),
        Column("key_usage", .text, "Certificate key usage extension string"),
        Column("authority_key_id", .text, "Authority Key Identifier (AKI)").collated(.noCase),
        Column("subject_key_id", .text, "Subject Key Identifier (SKI)").collated(.noCase),
        Column("signing_algorithm", .text, "Algorithm used to sign the certificate"),
        Column("key_algorithm", .text, "Public key algorithm"),
        Column("key_strength", .text, "Public key size in bits"),
    ])
    let efivars: String

    public init() { self.init(efivars: "/sys/firmware/efi/efivars") }
    init(efivars: String) { self.efivars = efivars }

    /// EFI_CERT_X509_GUID (a5c059a1-94e4-4aa7-87b5-ab155c2bf072) as stored: the first
    /// three fields little-endian.
    static let x509Type: [UInt8] = [0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72]

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let paths = context.texts("path") ?? ((try? FileSystem.list(efivars)) ?? []).sorted()
            .filter { $0.hasPrefix("db-") || $0.hasPrefix("dbx-") }.map { efivars + "/" + $0 }
        var rows: [Row] = []
        for path in paths {
            let name = String(path.split(separator: "/").last ?? "")
            guard let store = ["db", "dbx"].first(where: { name.hasPrefix($0 + "-") }),
                  let bytes = try? FileSystem.read(path, limit: 4 << 20) else { continue }
            for der in Self.certificates(bytes) {
                guard let cert = PEMCertificate.der(der) else { continue }
                var row = Row(schema)
                for column in ["common_name", "subject", "issuer", "sha1", "serial", "key_usage", "authority_key_id",
                               "subject_key_id", "signing_algorithm", "key_algorithm", "key_strength"] {
                    row[column] = .text(cert.fields[column] ?? "")
                }
                row["not_valid_before"] = .integer(cert.notValidBefore)
                row["not_valid_after"] = .integer(cert.notValidAfter)
                row["store"] = .text(store)
                row["path"] = .text(path)
                row["is_ca"] = SQLValue(cert.isCA)
                row["self_signed"] = SQLValue(cert.isSelfSigned)
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }

    /// The DER bytes of every X.509 entry of an efivarfs signature database file.
    static func certificates(_ bytes: [UInt8]) -> [[UInt8]] {
        func le32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        var out: [[UInt8]] = []
        var head = 4
        while head + 28 <= bytes.count {
            let listSize = le32(head + 16), headerSize = le32(head + 20), entrySize = le32(head + 24)
            guard listSize >= 28, head + listSize <= bytes.count else { break }
            let entries = head + 28 + headerSize
            if Array(bytes[head..<head + 16]) == x509Type, entrySize > 16, entries <= head + listSize {
                var entry = entries
                while entry + entrySize <= head + listSize {
                    out.append(Array(bytes[entry + 16..<entry + entrySize]))
                    entry += entrySize
                }
            }
            head += listSize
        }
        return out
    }
}
