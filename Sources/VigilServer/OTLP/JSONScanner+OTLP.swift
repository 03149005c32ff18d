import VigilOTLP

extension JSONScanner {
    /// The next value as an OTLP AnyValue, an object's members in the order sent: the
    /// exporter reads stored lines with the scanner the log endpoint uses, several times
    /// cheaper than decoding them into a tree with Foundation's decoder.
    mutating func otlpValue(depth: Int = 0) throws(Malformed) -> OTLPValue {
        skipWhitespace()
        guard position < bytes.count else {
            try value(depth: depth)  // throws: the input ended
            return .empty
        }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            var members: [OTLPAttribute] = []
            try object(depth: depth) { (key: Range<Int>, s: inout JSONScanner) throws(Malformed) in
                members.append(OTLPAttribute(s.text(key), try s.otlpValue(depth: depth + 1)))
            }
            return .kvlist(members)
        case UInt8(ascii: "["):
            var elements: [OTLPValue] = []
            try array(depth: depth) { (s: inout JSONScanner) throws(Malformed) in elements.append(try s.otlpValue(depth: depth + 1)) }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(text(try string()))
        default:
            let range = try value(depth: depth)
            switch bytes[range.lowerBound] {
            case UInt8(ascii: "t"): return .bool(true)
            case UInt8(ascii: "f"): return .bool(false)
            case UInt8(ascii: "n"): return .empty
            default:
                let number = String(decoding: bytes[range], as: UTF8.self)
                return Int64(number).map(OTLPValue.int) ?? .double(Double(number) ?? .nan)
            }
        }
    }
}

extension OTLPValue {
    /// A member of a key-value list.
    subscript(key: String) -> OTLPValue? {
        if case .kvlist(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    /// A string, or a number's text (osquery sends numbers as either).
    var text: String? {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        default: nil
        }
    }

    var elements: [OTLPValue]? { if case .array(let a) = self { a } else { nil } }
}
