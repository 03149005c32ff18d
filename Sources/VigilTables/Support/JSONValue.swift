import FoundationEssentials
import VigilSystem

/// Any JSON document, for the browsers' manifest and profile files whose shapes vary
/// by version (a permission may be a string or an object).
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// The parsed document, or nil when `bytes` is not JSON.
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        // Chrome writes a UTF-8 byte order mark at the start of some manifests.
        let body = bytes.starts(with: [0xef, 0xbb, 0xbf]) ? Array(bytes.dropFirst(3)) : bytes
        return try? JSONDecoder().decode(JSONValue.self, from: Data(body))
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// A path of keys ("extensions", "settings", id).
    func at(_ keys: String...) -> JSONValue? {
        keys.reduce(Optional(self)) { $0?[$1] }
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var number: Double? {
        switch self {
        case .number(let n): return n
        case .string(let s): return Double(s)
        default: return nil
        }
    }
    var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }

    /// Compact JSON text of this value (permissions_json, manifest_json).
    var json: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .string(let s): return JSON.string(s)
        case .array(let a): return "[" + a.map(\.json).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { JSON.string($0) + ":" + o[$0]!.json }.joined(separator: ",") + "}"
        }
    }

    /// A scalar as text; a string array joined by ", " (osquery's permissions column).
    var listText: String {
        switch self {
        case .array(let a): return a.map { $0.string ?? $0.json }.joined(separator: ", ")
        case .string(let s): return s
        default: return json
        }
    }
}
