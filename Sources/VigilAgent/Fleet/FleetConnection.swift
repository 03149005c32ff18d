import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import VigilProfile
import VigilSystem
import VigilTables
import VigilWire

/// Why a call to the fleet server failed.
public enum FleetError: Error, Sendable, CustomStringConvertible {
    /// The server could not be reached or did not answer in time.
    case transport(String)
    /// The server answered with something other than what the API says.
    case server(status: Int, String)
    /// The server refused the enroll secret.
    case enrollRefused(String)
    /// The server does not have this endpoint (a stock osquery server and Vigil's extensions).
    case notFound

    public var description: String {
        switch self {
        case .transport(let why): return "cannot reach the fleet server: \(why)"
        case .server(let status, let why): return "the fleet server answered \(status): \(why)"
        case .enrollRefused(let why): return "enrollment refused: \(why)"
        case .notFound: return "the fleet server has no such endpoint"
        }
    }
}

/// The agent's HTTPS connection to its fleet server and its node key. One per worker;
/// every call goes through `call`, which enrolls when there is no key and enrolls
/// again, once, when the server says `node_invalid`. The key is kept in DATA_DIR/node_key
/// (0600), so a restart does not enroll again.
public actor FleetConnection {
    let options: FleetOptions
    let keyPath: String
    let hostIdentifier: String
    let hostDetails: @Sendable () -> [String: [String: JSONValue]]
    let logger: Logger
    let group: MultiThreadedEventLoopGroup
    let http: HTTPClient
    private(set) var nodeKey: String?
    private var enrolling: Task<String, any Error>?

    public init(options: FleetOptions, dataDirectory: String, hostIdentifier: String,
                hostDetails: @escaping @Sendable () -> [String: [String: JSONValue]], logger: Logger) throws {
        self.options = options
        keyPath = dataDirectory + "/node_key"
        self.hostIdentifier = hostIdentifier
        self.hostDetails = hostDetails
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        // A cancelled held-open read must not hold the worker's stop for NIOSSL's default
        // 5 s wait for the server's close_notify.
        tls.shutdownTimeout = .milliseconds(200)
        if let ca = options.serverCerts { tls.trustRoots = .file(ca) }
        if let cert = options.clientCert, let key = options.clientKey {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            tls.privateKey = .file(key)
        }
        // One event loop thread: the agent makes a few calls a minute.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        http = HTTPClient(eventLoopGroupProvider: .shared(group),
                          configuration: HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10))))
        nodeKey = FileSystem.readTextIfPresent(keyPath)?.trimmingCharacters()
        if nodeKey?.isEmpty == true { nodeKey = nil }
    }

    /// Close the connection pool and its thread.
    public func shutdown() async {
        try? await http.shutdown()
        try? await group.shutdownGracefully()
    }

    /// POST `body` as JSON to `path`; the status and the body (at most the protocol's limit).
    func post(_ path: String, _ body: Data, timeoutSeconds: Int64 = 30, gzip: Bool = false) async throws(FleetError) -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: options.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        var body = body
        if gzip {
            do { body = Data(try Gzip.compress(Array(body))) } catch { throw .transport("cannot compress the request: \(error)") }
            request.headers.add(name: "Content-Encoding", value: "gzip")
        }
        request.headers.add(name: "User-Agent", value: "vigil/\(AgentVersion.version)")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: .seconds(timeoutSeconds))
            let buffer = try await response.body.collect(upTo: WireCoding.maxBodyBytes)
            return (Int(response.status.code), Data(buffer.readableBytesView))
        } catch {
            throw .transport("\(error)")
        }
    }

    /// The node key, enrolling first when there is none. Calls that need a key while an
    /// enrollment is under way wait for it rather than enroll again (each enrollment
    /// replaces the host's key, so two at once would invalidate each other).
    func key() async throws(FleetError) -> String {
        if let nodeKey { return nodeKey }
        if let enrolling {
            switch await enrolling.result {
            case .success(let key): return key
            case .failure(let error): throw (error as? FleetError) ?? .transport("\(error)")
            }
        }
        let task = Task { try await self.enroll() }
        enrolling = task
        defer { enrolling = nil }
        switch await task.result {
        case .success(let key): return key
        case .failure(let error): throw (error as? FleetError) ?? .transport("\(error)")
        }
    }

    private func enroll() async throws(FleetError) -> String {
        // The file as it is now (the secret may have been rotated since the start).
        let current = options.enrollSecretPath.flatMap { FileSystem.readTextIfPresent($0)?.trimmingCharacters() }
        let secret = current.flatMap { $0.isEmpty ? nil : $0 } ?? options.enrollSecret
        let request = EnrollRequest(enrollSecret: secret, hostIdentifier: hostIdentifier, platformType: "9", hostDetails: hostDetails())
        let data: Data
        do { data = try WireCoding.encode(request) } catch { throw .transport("\(error)") }
        let (status, body) = try await post(options.enrollEndpoint, data)
        let response = try? WireCoding.decode(EnrollResponse.self, from: body)
        guard let key = response?.nodeKey, !key.isEmpty, response?.nodeInvalid != true else {
            let why = response?.error ?? String(decoding: body.prefix(200), as: UTF8.self)
            if status == 404 { throw .server(status: status, "no enroll endpoint at \(options.enrollEndpoint)") }
            // Over the server's enrollment rate: not a refusal, the next attempt may pass.
            if status == 429 { throw .server(status: status, why) }
            throw .enrollRefused(why.isEmpty ? "HTTP \(status) without a node key" : why)
        }
        nodeKey = key
        do { try FileSystem.writeAtomically(Array(key.utf8), to: keyPath, mode: 0o600) } catch {
            logger.warning("fleet: cannot keep the node key in \(keyPath): \(error); the agent will enroll again at its next start")
        }
        logger.info("fleet: enrolled with \(options.hostname) as \(hostIdentifier)")
        return key
    }

    /// Call an endpoint with the node key; on `node_invalid` enroll again and retry once.
    /// `make` builds the body for a key.
    public func call(_ path: String, timeoutSeconds: Int64 = 30, gzip: Bool = false, _ make: @Sendable (String) throws -> Data) async throws(FleetError) -> Data {
        for attempt in 0..<2 {
            let key = try await key()
            let data: Data
            do { data = try make(key) } catch { throw .transport("cannot encode the request: \(error)") }
            let (status, body) = try await post(path, data, timeoutSeconds: timeoutSeconds, gzip: gzip)
            if status == 404 { throw .notFound }
            if (try? WireCoding.decode(NodeInvalidProbe.self, from: body))?.nodeInvalid == true {
                // Only the key that was refused is dropped: another call may have enrolled anew meanwhile.
                if nodeKey == key {
                    logger.warning("fleet: the server no longer knows this node key; enrolling again")
                    nodeKey = nil
                    unlink(keyPath)
                }
                if attempt == 0 { continue }
            }
            guard (200..<300).contains(status) else { throw .server(status: status, String(decoding: body.prefix(200), as: UTF8.self)) }
            return body
        }
        throw .enrollRefused("the server refused the new node key too")
    }
}

/// Any answer, read only for `node_invalid`.
struct NodeInvalidProbe: Decodable {
    var nodeInvalid: Bool?
    enum CodingKeys: String, CodingKey { case nodeInvalid = "node_invalid" }
}

/// This agent's version, as it reports itself to a server.
public enum AgentVersion {
    public static var version: String { VigilVersion.version }
}
