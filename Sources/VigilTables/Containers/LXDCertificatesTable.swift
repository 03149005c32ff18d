import VigilSQL

/// `lxd_certificates`: the certificates LXD trusts (`GET /1.0/certificates`).
/// `fingerprint` compares without case, as osquery declares it (`collate="nocase"`).
public struct LXDCertificatesTable: VirtualTable {
    public let schema = TableSchema("lxd_certificates", "LXD certificates information.", [
        Column("name", .text, "Name of the certificate"),
        Column("type", .text, "Type of the certificate"),
        Column("fingerprint", .text, "SHA256 hash of the certificate").collated(.noCase),
        Column("certificate", .text, "Certificate content"),
    ])
    let api: LXDAPI

    public init(api: LXDAPI = LXDAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(try api.list("/1.0/certificates", table: schema.name)) { certificate in
            var row = Row(schema)
            for column in ["name", "type", "fingerprint", "certificate"] {
                row[column] = .text(certificate[column]?.string ?? "")
            }
            return row
        }
    }
}
