import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

@Suite(.ownThread) struct CertificatesTests {
    /// What `openssl x509` says of one PEM certificate, in the table's terms.
    struct OpenSSLView {
        var fields: [String: String] = [:]
        var keyUsage: Set<String>?
        var ca: Bool?

        init(pem: String, directory: URL) throws {
            let file = directory.appendingPathComponent("cert-\(UUID().uuidString).pem")
            try pem.write(to: file, atomically: true, encoding: .utf8)
            let summary = try shell(["openssl", "x509", "-in", file.path, "-noout", "-subject", "-issuer", "-nameopt", "oneline",
                                     "-serial", "-fingerprint", "-sha1", "-dates", "-dateopt", "iso_8601",
                                     "-ext", "keyUsage,subjectKeyIdentifier,authorityKeyIdentifier,basicConstraints"])
            let text = try shell(["openssl", "x509", "-in", file.path, "-noout", "-text"])
            let lines = summary.split(separator: "\n").map(String.init)
            func after(_ prefix: String, in lines: [String]) -> String? {
                lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) }
                    .map { $0.trimmingCharacters(in: .whitespaces).dropFirst(prefix.count).trimmingCharacters(in: .whitespaces) }
            }
            func next(after header: String) -> String? {
                guard let i = lines.firstIndex(where: { $0.hasPrefix(header) }), i + 1 < lines.count else { return nil }
                return lines[i + 1].trimmingCharacters(in: .whitespaces)
            }
            func hexID(_ s: String?) -> String? {
                s.map { String($0.replacingOccurrences(of: "keyid:", with: "").split(separator: "\n")[0]).replacingOccurrences(of: ":", with: "").lowercased() }
            }
            func epoch(_ s: String?) -> String? {
                s.flatMap { ISO8601DateFormatter().date(from: $0.replacingOccurrences(of: " ", with: "T")) }.map { String(Int64($0.timeIntervalSince1970)) }
            }
            fields["subject2"] = after("subject=", in: lines)
            fields["issuer2"] = after("issuer=", in: lines)
            // osquery prints the serial with BN_bn2hex, where a zero serial is "0" (OpenSSL's x509 prints "00").
            fields["serial"] = after("serial=", in: lines).map { $0.allSatisfy { $0 == "0" } ? "0" : $0 }
            fields["sha1"] = after("sha1 Fingerprint=", in: lines)?.replacingOccurrences(of: ":", with: "").lowercased()
            fields["not_valid_before"] = epoch(after("notBefore=", in: lines))
            fields["not_valid_after"] = epoch(after("notAfter=", in: lines))
            fields["subject_key_id"] = hexID(next(after: "X509v3 Subject Key Identifier"))
            fields["authority_key_id"] = hexID(next(after: "X509v3 Authority Key Identifier"))
            let textLines = text.split(separator: "\n").map(String.init)
            fields["signing_algorithm"] = after("Signature Algorithm:", in: textLines)
            fields["key_algorithm"] = after("Public Key Algorithm:", in: textLines)
            if let bits = after("Public-Key: (", in: textLines) { fields["key_strength"] = String(bits.prefix { $0.isNumber }) }
            if let curve = after("ASN1 OID:", in: textLines) { fields["key_strength"] = curve }
            // OpenSSL says "Certificate Sign" where osquery says "Key Cert Sign".
            keyUsage = next(after: "X509v3 Key Usage").map {
                Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) == "Certificate Sign" ? "Key Cert Sign" : $0.trimmingCharacters(in: .whitespaces) })
            }
            ca = next(after: "X509v3 Basic Constraints").map { $0.contains("CA:TRUE") }
        }

        func check(_ row: [String: SQLValue], sourceLocation: SourceLocation = #_sourceLocation) {
            for (column, value) in fields {
                #expect(row[column]?.text == value, "\(column) of \(row["subject2"]?.string ?? "")", sourceLocation: sourceLocation)
            }
            if let keyUsage {
                #expect(Set(row["key_usage"]!.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) == keyUsage,
                        sourceLocation: sourceLocation)
            }
            if let ca { #expect(row["ca"]?.int == (ca ? 1 : 0), sourceLocation: sourceLocation) }
        }
    }

    static func pemBlocks(_ text: String) -> [String] {
        var blocks: [String] = [], current: [Substring]?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("-----BEGIN CERTIFICATE") { current = [] }
            current?.append(line)
            if line.hasPrefix("-----END CERTIFICATE"), let c = current { blocks.append(c.joined(separator: "\n") + "\n"); current = nil }
        }
        return blocks
    }

    /// Every certificate of the host's CA bundle, field by field, as openssl x509 reads it.
    @Test func hostBundleMatchesOpenSSL() throws {
        let bundle = "/etc/ssl/certs/ca-certificates.crt"
        let blocks = Self.pemBlocks(try String(contentsOfFile: bundle, encoding: .utf8))
        try #require(!blocks.isEmpty, "the test machines have Debian's ca-certificates")
        let rows = try query("SELECT *, path, subject2, issuer2 FROM certificates WHERE path = '\(bundle)'")
        #expect(rows.count == blocks.count)
        #expect(try query("SELECT count(*) AS n FROM certificates")[0]["n"]?.int == Int64(blocks.count))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (row, pem) in zip(rows, blocks) {
            try OpenSSLView(pem: pem, directory: dir).check(row)
            #expect(row["path"]?.string == bundle)
            // A root names itself as issuer and carries its own key identifier.
            #expect(row["self_signed"]?.int == (row["subject2"] == row["issuer2"] ? 1 : 0), "\(row["subject2"]!.string)")
        }
    }

    /// A bundle the test makes: an EC CA, a leaf it signs, and the CA's private key (not a certificate: skipped).
    @Test func madeBundle() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = { (name: String) in dir.appendingPathComponent(name).path }
        _ = try shell(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", p("ca.key"), "-out", p("ca.pem"), "-subj", "/C=DE/O=Vigil Test/CN=Vigil Test CA", "-days", "30"])
        _ = try shell(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("leaf.key"), "-out", p("leaf.csr"), "-subj", "/CN=leaf.example"])
        _ = try shell(["openssl", "x509", "-req", "-in", p("leaf.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-out", p("leaf.pem"), "-days", "7",
                       "-set_serial", "0x0102030405"])
        let bundle = p("bundle.pem")
        let ca = try String(contentsOfFile: p("ca.pem"), encoding: .utf8), leaf = try String(contentsOfFile: p("leaf.pem"), encoding: .utf8)
        try (ca + (try String(contentsOfFile: p("ca.key"), encoding: .utf8)) + leaf).write(toFile: bundle, atomically: true, encoding: .utf8)
        let rows = try query("SELECT *, subject2, issuer2 FROM certificates WHERE path = '\(bundle)'")
        #expect(rows.map { $0["common_name"]!.string } == ["Vigil Test CA", "leaf.example"])
        try OpenSSLView(pem: ca, directory: dir).check(rows[0])
        try OpenSSLView(pem: leaf, directory: dir).check(rows[1])
        #expect(rows[0]["key_strength"]?.string == "prime256v1" && rows[1]["key_strength"]?.string == "2048")
        #expect(rows[0]["self_signed"]?.int == 1 && rows[1]["self_signed"]?.int == 0 && rows[1]["ca"]?.int == 0)
        #expect(rows[0]["subject"]?.string == "/C=DE/O=Vigil Test/CN=Vigil Test CA" && rows[1]["issuer"]?.string == "/C=DE/O=Vigil Test/CN=Vigil Test CA")
        #expect(rows[1]["serial"]?.string == "0102030405" && rows[1]["key_usage"]?.string == "")
        #expect(throws: (any Error).self) { try query("SELECT * FROM certificates WHERE path = '\(p("missing.pem"))'") }
        #expect(throws: (any Error).self) { try query("SELECT * FROM certificates WHERE path = '\(p("leaf.csr"))'") }
    }
}
