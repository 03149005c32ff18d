import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// curl_certificate against `openssl s_server` serving a certificate the test makes
/// (subject, issuer, SAN, validity), each field compared with `openssl x509` on the
/// same file.
@Suite(.ownThread, .serialized) struct CurlCertificateTests {
    @Test func matchesOpensslX509() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("c.pem").path, key = dir.appendingPathComponent("k.pem").path
        _ = try shell(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "30",
                       "-subj", "/CN=vigil.test/O=Vigil Org/OU=QA", "-addext", "subjectAltName=DNS:vigil.test,IP:127.0.0.1"])
        let port = try TCPListener.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["openssl", "s_server", "-accept", String(port), "-cert", cert, "-key", key, "-www", "-quiet"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        // SIGKILL: children of the test runner inherit its blocked SIGTERM.
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }

        let sql = "SELECT * FROM curl_certificate WHERE hostname = '127.0.0.1:\(port)' AND dump_certificate = 1"
        var rows = try query(sql)
        for _ in 0..<50 where rows.isEmpty { usleep(100_000); rows = try query(sql) }  // until it listens
        try #require(rows.count == 1)
        let r = rows[0]
        func x509(_ options: String...) throws -> String {
            try shell(["openssl", "x509", "-in", cert, "-noout"] + options).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(r["common_name"]?.string == "vigil.test" && r["issuer_common_name"]?.string == "vigil.test")
        #expect(r["organization"]?.string == "Vigil Org" && r["organization_unit"]?.string == "QA")
        #expect("serial=" + r["serial_number"]!.string == (try x509("-serial")))
        #expect("notBefore=" + r["valid_from"]!.string == (try x509("-startdate")))
        #expect("notAfter=" + r["valid_to"]!.string == (try x509("-enddate")))
        // "sha256 Fingerprint=29:EB:…" → lower-case hex without colons.
        for (column, option) in [("sha256_fingerprint", "-sha256"), ("sha1_fingerprint", "-sha1")] {
            let printed = try x509("-fingerprint", option)
            let hex = printed[printed.index(after: printed.firstIndex(of: "=")!)...].replacingOccurrences(of: ":", with: "").lowercased()
            #expect(r[column]?.string == hex, "\(column)")
        }
        // -ext prints a header line, then the value indented.
        #expect(r["subject_alternative_names"]?.string == (try x509("-ext", "subjectAltName")).split(separator: "\n").last!.trimmingCharacters(in: .whitespaces))
        #expect(r["subject_key_identifier"]?.string == (try x509("-ext", "subjectKeyIdentifier")).split(separator: "\n").last!.trimmingCharacters(in: .whitespaces))
        #expect(r["basic_constraint"]?.string == "CA:TRUE")
        #expect(r["key_usage"]?.string == "")
        #expect(r["version"]?.int == 3 && r["has_expired"]?.int == 0)
        #expect(r["signature_algorithm"]?.string == "RSA-SHA256")
        #expect(r["pem"]?.string == (try String(contentsOfFile: cert, encoding: .utf8)))
        // Without dump_certificate there is no PEM.
        #expect(try query("SELECT pem FROM curl_certificate WHERE hostname = '127.0.0.1:\(port)'").first?["pem"] == .null)
    }

    @Test func unreachableHostIsNoRowAndHostnameIsRequired() throws {
        let port = try TCPListener.freePort()
        #expect(try query("SELECT * FROM curl_certificate WHERE hostname = '127.0.0.1:\(port)'").isEmpty)
        #expect(throws: (any Error).self) { try query("SELECT * FROM curl_certificate") }
    }
}
