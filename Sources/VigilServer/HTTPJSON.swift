import Foundation
import Hummingbird
import NIOCore
import VigilSystem
import VigilWire

/// JSON in and out of Hummingbird requests, with the protocol's size limit.
enum HTTPJSON {
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data = (try? WireCoding.encode(value)) ?? Data("{}".utf8)
        return raw(data, status: status, headers: headers)
    }

    static func raw(_ data: Data, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], contentType: String = "application/json") -> Response {
        raw(ByteBuffer(bytes: data), status: status, headers: headers, contentType: contentType)
    }

    static func raw(_ buffer: ByteBuffer, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], contentType: String = "application/json") -> Response {
        var fields = headers
        fields[.contentType] = contentType
        // Browsers must never sniff an API answer into markup.
        fields[noSniff] = "nosniff"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: buffer))
    }

    private static let noSniff = HTTPFields.Element.Name("X-Content-Type-Options")!

    /// An answer encoded once, for one sent thousands of times a second (an agent's
    /// acknowledgement, an empty poll): the buffer is shared, not copied.
    static func encodedOnce<T: Encodable>(_ value: T) -> ByteBuffer {
        ByteBuffer(bytes: (try? WireCoding.encode(value)) ?? Data("{}".utf8))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        response(["error": message], status: status)
    }

    /// The request body, at most `limit` bytes: a larger one is refused with 413 before
    /// it is read whole. A gzip body (osquery's `logger_tls_compress`) is inflated under
    /// the same limit.
    static func body(_ request: Request, limit: Int = WireCoding.maxBodyBytes) async throws -> Data {
        Data(try await bytes(request, limit: limit))
    }

    /// The same, as bytes for the scanner: copied once out of the connection's buffer.
    static func bytes(_ request: Request, limit: Int = WireCoding.maxBodyBytes) async throws -> [UInt8] {
        var buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw HTTPError(.contentTooLarge, message: "request body over \(limit) bytes")
        }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if request.headers[.contentEncoding]?.lowercased() == "gzip" {
            do { return try Gzip.decompress(bytes, limit: limit) } catch {
                throw HTTPError(.badRequest, message: "\(error)")
            }
        }
        return bytes
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let data = try await body(request)
        do { return try WireCoding.decode(type, from: data) } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        var b = buffer
        self = b.readData(length: b.readableBytes) ?? Data()
    }
}

extension ByteBuffer {
    mutating func readData(length: Int) -> Data? {
        readBytes(length: length).map { Data($0) }
    }
}
