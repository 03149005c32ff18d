/// A JSON value, and a small strict parser for the admin protocol's lines. The
/// libraries do not use Foundation, and the protocol needs only this much.
public enum AdminJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([AdminJSON])
    case object([String: AdminJSON])

    public subscript(key: String) -> AdminJSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var integer: Int64? {
        switch self {
        case .integer(let i): return i
        case .double(let d): return Int64(exactly: d)
        default: return nil
        }
    }
    public var double: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var array: [AdminJSON]? { if case .array(let a) = self { return a }; return nil }

    /// Parse one JSON text (a whole line).
    public static func parse(_ bytes: [UInt8]) throws(AdminProtocolError) -> AdminJSON {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.at == bytes.count else { throw parser.fail("text after the value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var at = 0

        func fail(_ what: String) -> AdminProtocolError { .malformed("\(what) at byte \(at)") }

        mutating func skipSpace() {
            while at < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[at]) { at += 1 }
        }

        mutating func value(depth: Int) throws(AdminProtocolError) -> AdminJSON {
            // Nesting is shallow in this protocol; a deep one is an attack on the stack.
            guard depth < 32 else { throw fail("nesting too deep") }
            skipSpace()
            guard at < bytes.count else { throw fail("unexpected end") }
            switch bytes[at] {
            case UInt8(ascii: "{"):
                at += 1
                var object: [String: AdminJSON] = [:]
                skipSpace()
                if at < bytes.count && bytes[at] == UInt8(ascii: "}") { at += 1; return .object(object) }
                while true {
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let key = try string()
                    skipSpace()
                    try expect(":")
                    object[key] = try value(depth: depth + 1)
                    skipSpace()
                    if try endOrComma("}") { return .object(object) }
                }
            case UInt8(ascii: "["):
                at += 1
                var array: [AdminJSON] = []
                skipSpace()
                if at < bytes.count && bytes[at] == UInt8(ascii: "]") { at += 1; return .array(array) }
                while true {
                    array.append(try value(depth: depth + 1))
                    skipSpace()
                    if try endOrComma("]") { return .array(array) }
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func expect(_ c: Unicode.Scalar) throws(AdminProtocolError) {
            guard at < bytes.count, bytes[at] == UInt8(ascii: c) else { throw fail("expected '\(c)'") }
            at += 1
        }

        mutating func endOrComma(_ close: Unicode.Scalar) throws(AdminProtocolError) -> Bool {
            guard at < bytes.count else { throw fail("unexpected end") }
            if bytes[at] == UInt8(ascii: close) { at += 1; return true }
            try expect(",")
            return false
        }

        mutating func literal(_ word: String) throws(AdminProtocolError) {
            let w = Array(word.utf8)
            guard at + w.count <= bytes.count, Array(bytes[at..<at + w.count]) == w else { throw fail("bad literal") }
            at += w.count
        }

        mutating func number() throws(AdminProtocolError) -> AdminJSON {
            let start = at
            var isInteger = true
            while at < bytes.count {
                let b = bytes[at]
                if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { isInteger = false }
                else if !(b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || (b >= 0x30 && b <= 0x39)) { break }
                at += 1
            }
            let text = String(decoding: bytes[start..<at], as: UTF8.self)
            // A real is written with '.' or an exponent, so integers and reals keep their SQL type.
            if isInteger, let i = Int64(text) { return .integer(i) }
            if let d = Double(text) { return .double(d) }
            at = start
            throw fail("bad value")
        }

        mutating func string() throws(AdminProtocolError) -> String {
            at += 1  // the opening quote
            var out: [UInt8] = []
            while at < bytes.count {
                let b = bytes[at]
                at += 1
                if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                guard b == UInt8(ascii: "\\") else { out.append(b); continue }
                guard at < bytes.count else { break }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    // A surrogate pair spells one scalar beyond the BMP.
                    if (0xD800..<0xDC00).contains(scalar), at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") {
                        at += 2
                        let low = try hex4()
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    out += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
                default: out.append(e)  // \" \\ \/
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(AdminProtocolError) -> UInt32 {
            guard at + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else {
                throw fail("bad \\u escape")
            }
            at += 4
            return v
        }
    }
}
