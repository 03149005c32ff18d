import Foundation

/// The one JSON encoder and decoder setup both sides use, with the protocol's limits.
public enum WireCoding {
    /// Largest request or response body either side accepts, inflated (osquery's
    /// configs go up to 4 MiB; a logger batch of 1,024 lines of up to 1 MiB each is
    /// cut by the agent at this size too).
    public static let maxBodyBytes = 8 << 20

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func encodeString<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// Decode `T`, with an error that names the field that was wrong.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(WireError) -> T {
        guard data.count <= maxBodyBytes else { throw .tooLarge(data.count, limit: maxBodyBytes) }
        do { return try JSONDecoder().decode(type, from: data) } catch let error as DecodingError {
            throw .malformed(WireError.describe(error))
        } catch {
            throw .malformed("\(error)")
        }
    }
}

/// Why a request or response could not be read.
public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(Int, limit: Int)
    case malformed(String)

    public var description: String {
        switch self {
        case .tooLarge(let n, let limit): return "body of \(n) bytes is over the limit of \(limit) bytes"
        case .malformed(let why): return "malformed JSON body: \(why)"
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "the top level" : p
        }
        switch error {
        case .keyNotFound(let key, let c): return "missing field \(key.stringValue) in \(path(c))"
        case .typeMismatch(let type, let c): return "\(path(c)) is not a \(type)"
        case .valueNotFound(let type, let c): return "\(path(c)) is null, expected \(type)"
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
