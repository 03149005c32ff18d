import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// Signature database variables in efivarfs' layout, written by the test (no EFI on
/// the test machines) from certificates openssl makes, read back against openssl x509.
@Suite(.ownThread) struct SecureBootCertificatesTests {
    /// An EFI_SIGNATURE_LIST of one type whose entries are `owner` + each payload.
    static func signatureList(type: [UInt8], _ payloads: [[UInt8]]) -> [UInt8] {
        let entrySize = 16 + (payloads.first?.count ?? 0)
        func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24 & 0xff)] }
        let owner: [UInt8] = [0xbd, 0x9a, 0xfa, 0x77, 0x59, 0x03, 0x32, 0x4d, 0xbd, 0x60, 0x28, 0xf4, 0xe7, 0x8f, 0x78, 0x4b]
        return type + le32(28 + entrySize * payloads.count) + le32(0) + le32(entrySize) + payloads.flatMap { owner + $0 }
    }
    static let x509: [UInt8] = [0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72]
    static let sha256: [UInt8] = [0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28]
    static let attributes: [UInt8] = [0x27, 0, 0, 0]  // non-volatile, boot and runtime access, time-based authenticated writes

    @Test func certificatesOfDbMatchOpenSSL() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = { (name: String) in dir.appendingPathComponent(name).path }
        _ = try shell(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.pem"),
                       "-subj", "/C=US/O=Vigil Test/CN=Vigil Test UEFI CA 2023", "-days", "30"])
        _ = try shell(["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", p("leaf.key"),
                       "-out", p("leaf.csr"), "-subj", "/CN=Vigil Test Windows Production PCA"])
        _ = try shell(["openssl", "x509", "-req", "-in", p("leaf.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-out", p("leaf.pem"),
                       "-days", "7", "-set_serial", "0x61077656000000000008"])
        var ders: [[UInt8]] = []
        for name in ["ca", "leaf"] {
            _ = try shell(["openssl", "x509", "-in", p(name + ".pem"), "-outform", "DER", "-out", p(name + ".der")])
            ders.append(Array(try Data(contentsOf: URL(fileURLWithPath: p(name + ".der")))))
        }
        let efivars = dir.appendingPathComponent("efivars")
        try FileManager.default.createDirectory(at: efivars, withIntermediateDirectories: true)
        let guid = "d719b2cb-3d3a-4596-a3bc-dad00e67656f"
        // db: a hash list (no certificate), each certificate in its own list, and an
        // X.509 list whose entry is not DER (skipped).
        let db = Self.attributes + Self.signatureList(type: Self.sha256, [Array(repeating: 0xab, count: 32)])
            + Self.signatureList(type: Self.x509, [ders[0]]) + Self.signatureList(type: Self.x509, [ders[1]])
            + Self.signatureList(type: Self.x509, [Array(repeating: 0x30, count: 40)])
        try Data(db).write(to: efivars.appendingPathComponent("db-" + guid))
        try Data(Self.attributes + Self.signatureList(type: Self.sha256, [Array(repeating: 1, count: 32), Array(repeating: 2, count: 32)]))
            .write(to: efivars.appendingPathComponent("dbx-" + guid))
        // KEK is not one of the databases the table reads.
        try Data(Self.attributes + Self.signatureList(type: Self.x509, [ders[0]])).write(to: efivars.appendingPathComponent("KEK-8be4df61-93ca-11d2-aa0d-00e098032b8c"))

        let database = try Database(tables: [SecureBootCertificatesTable(efivars: efivars.path)])
        let rows = try database.query("SELECT * FROM secureboot_certificates")
        #expect(rows.map { $0["common_name"]!.string } == ["Vigil Test UEFI CA 2023", "Vigil Test Windows Production PCA"])
        #expect(rows.allSatisfy { $0["store"]?.string == "db" && $0["path"]?.string == efivars.path + "/db-" + guid })
        for (row, name) in zip(rows, ["ca", "leaf"]) {
            let view = try CertificatesTests.OpenSSLView(pem: try String(contentsOfFile: p(name + ".pem"), encoding: .utf8), directory: dir)
            for (column, value) in view.fields where column != "subject2" && column != "issuer2" {
                #expect(row[column]?.text == value, "\(name).\(column)")
            }
            if let keyUsage = view.keyUsage {
                #expect(Set(row["key_usage"]!.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) == keyUsage)
            }
            if let ca = view.ca { #expect(row["is_ca"]?.int == (ca ? 1 : 0), "\(name).is_ca") }
        }
        #expect(rows.map { $0["self_signed"]!.int } == [1, 0])
        #expect(rows.map { $0["key_strength"]!.string } == ["2048", "prime256v1"])
        #expect(rows[1]["issuer"]?.string == "/C=US/O=Vigil Test/CN=Vigil Test UEFI CA 2023")
        // The serial and hashes compare without case, as osquery declares them.
        let serial = rows[1]["serial"]!.string
        #expect(serial == "61077656000000000008")
        #expect(try database.query("SELECT count(*) AS n FROM secureboot_certificates WHERE sha1 = '\(rows[0]["sha1"]!.string.uppercased())'").first?["n"]?.int == 1)
        // path = reads the named variable file.
        #expect(try database.query("SELECT count(*) AS n FROM secureboot_certificates WHERE path = '\(efivars.path)/dbx-\(guid)'").first?["n"]?.int == 0)
        #expect(try database.query("SELECT count(*) AS n FROM secureboot_certificates WHERE path = '\(efivars.path)/db-\(guid)'").first?["n"]?.int == 2)
    }

    /// A host without EFI (these test machines): no rows, no error.
    @Test func hostWithoutEFI() throws {
        guard !FileManager.default.fileExists(atPath: "/sys/firmware/efi/efivars") else { return }
        #expect(try query("SELECT * FROM secureboot_certificates").isEmpty)
    }
}
