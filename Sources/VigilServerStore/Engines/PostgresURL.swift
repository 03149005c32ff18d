import Foundation
import NIOSSL
import PostgresNIO

/// Where `--database postgres://…` points, in libpq's URL form:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`, or a Unix socket with
/// `postgres://USER@/DATABASE?host=/run/postgresql` (the socket's directory, as libpq takes it).
/// `sslmode` as libpq's: `disable`, `prefer` (the default), `require` (encrypted, not
/// verified), `verify-full` (encrypted and the server's certificate checked).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, CaseIterable { case disable, prefer, require, verifyFull = "verify-full" }

    public var host: String?
    public var port = 5432
    public var socketDirectory: String?
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode = SSLMode.prefer

    public init(_ text: String) throws(StoreError) {
        let usage = "--database takes postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require|verify-full]"
            + " or postgres://USER@/DATABASE?host=/SOCKET/DIR"
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"), let components = URLComponents(string: text) else {
            throw StoreError("\(usage), not '\(text.prefix(80))'")
        }
        guard let user = components.user, !user.isEmpty else { throw StoreError("\(usage): the URL names no user") }
        self.user = user
        password = components.password
        database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw StoreError("\(usage): the URL names no database") }
        if let port = components.port {
            guard (1...65535).contains(port) else { throw StoreError("\(usage): port \(port) is out of range") }
            self.port = port
        }
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw StoreError("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(item.value ?? "")'")
                }
                sslMode = mode
            case "host": socketDirectory = item.value
            default: throw StoreError("\(usage): unknown parameter '\(item.name)'")
            }
        }
        if let h = components.host, !h.isEmpty { host = h }
        guard host != nil || socketDirectory != nil else { throw StoreError("\(usage): the URL names no host") }
    }

    /// The URL without its password, for messages.
    public var description: String {
        let place = socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } ?? "\(host ?? ""):\(port)"
        return "postgres://\(user)@\(place)/\(database)"
    }

    var socketPath: String? { host == nil ? socketDirectory.map { "\($0)/.s.PGSQL.\(port)" } : nil }

    private func tls() throws -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: return nil
        // libpq's prefer and require encrypt without checking the certificate.
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyFull: break
        }
        return tls
    }

    func clientConfiguration() throws -> PostgresClient.Configuration {
        if let socketPath { return .init(unixSocketPath: socketPath, username: user, password: password, database: database) }
        let mode: PostgresClient.Configuration.TLS = switch (sslMode, try tls()) {
        case (_, nil): .disable
        case (.prefer, let t?): .prefer(t)
        case (_, let t?): .require(t)
        }
        return .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: mode)
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        if let socketPath { return .init(unixSocketPath: socketPath, username: user, password: password, database: database) }
        let mode: PostgresConnection.Configuration.TLS = switch (sslMode, try tls()) {
        case (_, nil): .disable
        case (.prefer, let t?): .prefer(try NIOSSLContext(configuration: t))
        case (_, let t?): .require(try NIOSSLContext(configuration: t))
        }
        return .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: mode)
    }
}
