/// Builds one JSON object as UTF-8 bytes in a reused buffer: no intermediate
/// Strings per field, for outputs that write many events per second.
public struct JSONLine {
    public private(set) var bytes: [UInt8] = []
    private var first = true

    public init() { bytes.reserveCapacity(1024) }

    public mutating func begin() {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    /// Close the object and add a newline.
    public mutating func end() {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
    }

    mutating func key(_ name: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func field(_ name: StaticString, _ value: some BinaryInteger) {
        key(name)
        appendInteger(value)
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        appendRaw(value ? "true" : "false")
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        appendString(value)
    }

    /// An integer or null.
    public mutating func field(_ name: StaticString, _ value: (some BinaryInteger)?) {
        key(name)
        if let value { appendInteger(value) } else { appendRaw("null") }
    }

    public mutating func field(_ name: StaticString, _ values: [String]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(v)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A field whose value the caller writes with the raw appenders (nested objects, arrays).
    public mutating func rawField(_ name: StaticString, _ write: (inout JSONLine) -> Void) {
        key(name)
        write(&self)
    }

    /// Append raw JSON punctuation or literals (`[`, `]`, `{`, `}`, `,`, `null`).
    public mutating func append(raw s: StaticString) { appendRaw(s) }

    /// An object member inside a nested object written with `append(raw:)`.
    public mutating func member(_ name: StaticString, _ value: some BinaryInteger, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        appendRaw("\":")
        appendInteger(value)
    }

    public mutating func member(_ name: StaticString, _ value: String, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        appendRaw("\":")
        appendString(value)
    }

    mutating func appendRaw(_ s: StaticString) { s.withUTF8Buffer { bytes.append(contentsOf: $0) } }

    mutating func appendInteger(_ value: some BinaryInteger) {
        var v = Int64(truncatingIfNeeded: value)
        if v == 0 { bytes.append(UInt8(ascii: "0")); return }
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            if v == .min { appendRaw("9223372036854775808"); return }
            v = -v
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 {
                d[n] = UInt8(truncatingIfNeeded: v % 10) + 48
                v /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { bytes.append(d[i]) }
        }
    }

    /// A JSON string: bytes copied, escaping quotes, backslashes and control characters.
    mutating func appendString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): appendRaw("\\\"")
            case UInt8(ascii: "\\"): appendRaw("\\\\")
            case UInt8(ascii: "\n"): appendRaw("\\n")
            case UInt8(ascii: "\r"): appendRaw("\\r")
            case UInt8(ascii: "\t"): appendRaw("\\t")
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                appendRaw("\\u00")
                bytes.append(hex[Int(b >> 4)])
                bytes.append(hex[Int(b & 0xf)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
