/// A validating JSON scanner that builds no tree: it checks RFC 8259's grammar and
/// reports where values are, so that the busiest endpoint (`/log`, a few result lines
/// from every host every 10 s) can keep each line's own bytes instead of decoding every
/// value into a generic tree and encoding it again (together about a quarter of the
/// server's CPU under load with Foundation's decoder). Input is hostile: nesting is
/// bounded, every byte is checked, and anything malformed is an error.
struct JSONScanner {
    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "malformed JSON at byte \(offset): \(reason)" }
    }

    let bytes: [UInt8]
    private(set) var position = 0
    static let maxDepth = 64

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ reason: String) -> Malformed { Malformed(offset: position, reason: reason) }

    mutating func skipWhitespace() {
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x0A || bytes[position] == 0x0D || bytes[position] == 0x09 {
            position += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        position += 1
    }

    /// The whole input is one value and nothing else.
    mutating func end() throws(Malformed) {
        skipWhitespace()
        guard position == bytes.count else { throw fail("unexpected data after the value") }
    }

    /// Skip one value, checking it; its byte range.
    @discardableResult
    mutating func value(depth: Int = 0) throws(Malformed) -> Range<Int> {
        skipWhitespace()
        guard position < bytes.count else { throw fail("unexpected end") }
        let start = position
        switch bytes[position] {
        case UInt8(ascii: "{"):
            try object(depth: depth) { (_: Range<Int>, _: inout JSONScanner) throws(Malformed) in }
        case UInt8(ascii: "["):
            try array(depth: depth) { (_: inout JSONScanner) throws(Malformed) in }
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: throw fail("unexpected character")
        }
        return start..<position
    }

    /// An object: `member` is called at each key (the key's range, quotes included) and
    /// must consume the member's value (with `value` or a nested call).
    mutating func object(depth: Int = 0, _ member: (Range<Int>, inout JSONScanner) throws(Malformed) -> Void) throws(Malformed) {
        guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth)") }
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            let before = position
            try member(key, &self)
            if position == before { try value(depth: depth + 1) }
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end in an object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    /// An array: `element` is called at each element and must consume it (or leave it, to be skipped).
    mutating func array(depth: Int = 0, _ element: (inout JSONScanner) throws(Malformed) -> Void) throws(Malformed) {
        guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth)") }
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return }
        while true {
            skipWhitespace()
            let before = position
            try element(&self)
            if position == before { try value(depth: depth + 1) }
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end in an array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return }
            throw fail("expected ',' or ']'")
        }
    }

    /// A string, checked (escapes, no raw control characters); its range with the quotes.
    mutating func string() throws(Malformed) -> Range<Int> {
        let start = position
        try expect(UInt8(ascii: "\""))
        while position < bytes.count {
            let b = bytes[position]
            position += 1
            switch b {
            case UInt8(ascii: "\""): return start..<position
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw fail("unexpected end in an escape") }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"): break
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count, bytes[position..<position + 4].allSatisfy(Self.isHex) else { throw fail("bad \\u escape") }
                    position += 4
                default: throw fail("bad escape")
                }
            case 0..<0x20: throw fail("control character in a string")
            default: break
            }
        }
        throw fail("unterminated string")
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(b)
    }

    private mutating func digits() -> Int {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        return position - start
    }

    private mutating func number() throws(Malformed) {
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw fail("bad number") }
        if bytes[position] == UInt8(ascii: "0") { position += 1 } else if digits() == 0 { throw fail("bad number") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw fail("bad number") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw fail("bad number") }
        }
    }

    private mutating func literal(_ word: String) throws(Malformed) {
        let expected = word.utf8
        guard position + expected.count <= bytes.count, bytes[position..<position + expected.count].elementsEqual(expected) else { throw fail("bad literal") }
        position += expected.count
    }

    /// The text of a string's range (quotes included), escapes resolved.
    func text(_ range: Range<Int>) -> String {
        let inner = bytes[(range.lowerBound + 1)..<(range.upperBound - 1)]
        guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll(keepingCapacity: true)
        }
        var i = inner.startIndex
        func hex4(_ at: Int) -> UInt32 { UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) ?? 0xFFFD }
        while i < inner.endIndex {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else { raw.append(b); i += 1; continue }
            flush()
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): scalars.append("\u{8}")
            case UInt8(ascii: "f"): scalars.append("\u{C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = hex4(i)
                i += 4
                // A surrogate pair is one scalar; a lone surrogate becomes U+FFFD.
                if (0xD800..<0xDC00).contains(code), i + 6 <= inner.endIndex, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    let low = hex4(i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default: scalars.append(Unicode.Scalar(e)) // \" \\ \/
            }
        }
        flush()
        return String(scalars)
    }
}
