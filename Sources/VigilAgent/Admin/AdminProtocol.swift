import VigilSQL
import VigilSystem

/// The admin socket's protocol (DATA_DIR/admin.sock, AF_UNIX stream, one request per
/// connection).
///
/// Request: one line of JSON, at most `AdminProtocol.maxRequestBytes`, ending in "\n":
///
///     {"op":"query","sql":"SELECT name, executions FROM vigil_schedule"}
///     {"op":"tables"}
///     {"op":"profile","seconds":30,"frequency":19}
///
/// Response: JSON lines, the last of which is always a status line:
///
///     {"status":"ok"}
///     {"status":"error","kind":"sql","message":"no such table: x","offset":14}
///
/// `kind` is one of `sql`, `timeout`, `permission`, `request`, `profile`, `stopping`.
/// Before the status:
/// - query: per statement `{"columns":["a","b"],"plan":false}`, one `{"row":[…]}` per
///   row as it is stepped, then `{"done":{"wall_ns":N,"user_ns":N,"system_ns":N}}` (the
///   worker thread's own CPU time). Integers are JSON integers, reals are written with
///   '.' or an exponent, NULL is null, blobs are `{"blob":"HEX"}`. `plan` is true for
///   EXPLAIN QUERY PLAN, whose rows are (id, parent, notused, detail).
/// - tables: one `{"table":"name","schema":"CREATE TABLE …"}` per table.
/// - profile: `{"pprof":"BASE64"}` (gzip'd profile.proto), `{"report":"TEXT"}` (memory
///   and threads), `{"samples":N,"seconds":X}`.
public enum AdminProtocol {
    public static let socketName = "admin.sock"
    /// SQL longer than this is not a query a person types.
    public static let maxRequestBytes = 256 * 1024
    /// A client gets this long to send its request line.
    public static let requestSeconds: Int64 = 5
    /// A client that takes no bytes for this long is dropped.
    public static let idleSendSeconds: Int64 = 10
    public static let maxProfileSeconds: Double = 600

    public static func socketPath(dataDirectory: String) -> String { dataDirectory + "/" + socketName }

    /// A value as the protocol writes it.
    static func encode(_ value: SQLValue) -> String {
        switch value {
        case .null: return "null"
        case .integer(let i): return String(i)
        // String(Double) always has '.' or 'e' ("1.0", "1e+20"); non-finite has no JSON form.
        case .double(let d): return d.isFinite ? String(d) : "null"
        case .text(let s): return JSON.string(s)
        case .blob(let b): return "{\"blob\":\"" + Hex.encode(b) + "\"}"
        }
    }

    /// A value as the protocol read it.
    public static func decode(_ json: AdminJSON) -> SQLValue {
        switch json {
        case .null: return .null
        case .bool(let b): return .integer(b ? 1 : 0)
        case .integer(let i): return .integer(i)
        case .double(let d): return .double(d)
        case .string(let s): return .text(s)
        case .object:
            return json["blob"]?.string.map { .blob(Hex.decode($0)) } ?? .null
        case .array: return .null
        }
    }

    static func status(ok: Bool, kind: String? = nil, message: String? = nil, offset: Int? = nil) -> String {
        guard !ok else { return "{\"status\":\"ok\"}\n" }
        var line = "{\"status\":\"error\",\"kind\":\(JSON.string(kind ?? "request")),\"message\":\(JSON.string(message ?? ""))"
        if let offset { line += ",\"offset\":\(offset)" }
        return line + "}\n"
    }
}

/// Why a line of the protocol could not be read.
public enum AdminProtocolError: Error, CustomStringConvertible, Sendable {
    case malformed(String)
    public var description: String {
        switch self {
        case .malformed(let why): return "malformed admin protocol line: \(why)"
        }
    }
}

enum Hex {
    static let digits = Array("0123456789abcdef".utf8)
    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
    static func decode(_ text: String) -> [UInt8] {
        func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c &- 0x30 : (c | 0x20) &- 0x57 }
        let u = Array(text.utf8)
        return stride(from: 0, to: u.count - 1, by: 2).map { nibble(u[$0]) << 4 | nibble(u[$0 + 1]) }
    }
}

/// RFC 4648 base64, for the profile's bytes in a JSON line.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let v = UInt32(bytes[i]) << 16 | (n > 1 ? UInt32(bytes[i + 1]) << 8 : 0) | (n > 2 ? UInt32(bytes[i + 2]) : 0)
            for k in 0..<4 { out.append(k <= n ? alphabet[Int(v >> (18 - 6 * UInt32(k)) & 63)] : UInt8(ascii: "=")) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil when `text` is not base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var table = [UInt8](repeating: 255, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        var out = [UInt8]()
        var buffer: UInt32 = 0, bits = 0
        for c in text.utf8 where c != UInt8(ascii: "=") {
            let v = table[Int(c)]
            if v == 255 { return nil }
            buffer = buffer << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
