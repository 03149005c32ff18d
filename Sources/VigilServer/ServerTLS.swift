import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import VigilSystem
import X509

/// The server's TLS identity. Given --tls-cert and --tls-key it uses those; otherwise
/// the first start makes a CA and a server certificate signed by it under DATA_DIR/tls
/// (ca.pem, server.pem, server.key) and later starts reuse them. Agents trust the CA
/// with `tls_server_certs`; the CA's SHA-256 fingerprint is printed so that an
/// operator can check the file they copy.
public struct ServerTLS: Sendable {
    public var certificatePath: String
    public var keyPath: String
    /// The generated CA (nil when the operator gave their own certificate).
    public var caPath: String?

    public static func prepare(dataDirectory: String, certificate: String?, key: String?, hostnames: [String]) throws -> ServerTLS {
        if let certificate, let key { return ServerTLS(certificatePath: certificate, keyPath: key, caPath: nil) }
        let dir = dataDirectory + "/tls"
        let tls = ServerTLS(certificatePath: dir + "/server.pem", keyPath: dir + "/server.key", caPath: dir + "/ca.pem")
        let fm = FileManager.default
        if fm.fileExists(atPath: tls.certificatePath), fm.fileExists(atPath: tls.keyPath), fm.fileExists(atPath: dir + "/ca.pem") {
            return tls
        }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try generate(into: tls, caKeyPath: dir + "/ca.key", hostnames: hostnames)
        return tls
    }

    /// A CA valid for 10 years and a server certificate for `hostnames` (and the
    /// loopback addresses) valid for 2 years, both ECDSA P-256.
    static func generate(into tls: ServerTLS, caKeyPath: String, hostnames: [String]) throws {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Vigil")
            CommonName("Vigil fleet CA \(Secrets.newKey().prefix(8))")
        }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))

        let serverKey = P256.Signing.PrivateKey()
        var names: [GeneralName] = ["localhost"].map { .dnsName($0) }
        for name in hostnames where name != "localhost" && !name.isEmpty { names.append(.dnsName(name)) }
        names.append(.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])))
        names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))))
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(2 * 365 * 86400),
            issuer: caName, subject: try DistinguishedName { CommonName(hostnames.first ?? "localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(caKey))

        try write(caKey.pemRepresentation, to: caKeyPath, mode: 0o600)
        try write(serverKey.pemRepresentation, to: tls.keyPath, mode: 0o600)
        try write(try server.serializeAsPEM().pemString + "\n", to: tls.certificatePath, mode: 0o644)
        try write(try ca.serializeAsPEM().pemString + "\n", to: tls.caPath!, mode: 0o644)
    }

    static func write(_ text: String, to path: String, mode: Int) throws {
        let fm = FileManager.default
        guard fm.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw StoreFileError("cannot write \(path)")
        }
    }

    /// SHA-256 of the CA's (or the given certificate's) DER, as colon-separated hex.
    public func fingerprint() throws -> String {
        let pem = try String(contentsOfFile: caPath ?? certificatePath, encoding: .utf8)
        let certificate = try Certificate(pemEncoded: pem)
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return SHA256.hash(data: serializer.serializedBytes).map { VigilSystem.Digest.hex([$0]).uppercased() }.joined(separator: ":")
    }

    /// NIOSSL's server configuration for these files; TLS 1.2 at least, as osquery requires.
    public func configuration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        config.minimumTLSVersion = .tlsv12
        return config
    }
}

/// A file the server keeps under its data directory could not be written or read.
public struct StoreFileError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
