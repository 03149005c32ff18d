/// What a collector answers to an export: an `Export…ServiceResponse` whose only field,
/// `partial_success` (1), says how many items it refused (1) and why (2), in all three
/// signals. Read with the least protobuf decoding that does it; anything else is skipped.
public enum OTLPExportResponse {
    /// nil when the collector took everything (or its answer says nothing readable).
    public static func partialSuccess(_ body: [UInt8]) -> (rejected: Int64, message: String)? {
        guard let partial = fields(body[...])[1], case .bytes(let inner) = partial else { return nil }
        let f = fields(inner)
        var rejected: Int64 = 0, message = ""
        if case .varint(let n) = f[1] { rejected = Int64(bitPattern: n) }
        if case .bytes(let text) = f[2] { message = String(decoding: text, as: UTF8.self) }
        return rejected == 0 && message.isEmpty ? nil : (rejected, message)
    }

    enum Field {
        case varint(UInt64)
        case bytes(ArraySlice<UInt8>)
    }

    /// The varint and length-delimited fields of one message by number (the last of each);
    /// fixed-width fields are skipped, and a malformed message ends the reading.
    static func fields(_ bytes: ArraySlice<UInt8>) -> [Int: Field] {
        var out: [Int: Field] = [:]
        var i = bytes.startIndex
        func varint() -> UInt64? {
            var value: UInt64 = 0, shift: UInt64 = 0
            while i < bytes.endIndex, shift < 64 {
                let b = bytes[i]
                i += 1
                value |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        while i < bytes.endIndex, let key = varint() {
            let number = Int(key >> 3)
            switch key & 7 {
            case 0:
                guard let v = varint() else { return out }
                out[number] = .varint(v)
            case 1: i += 8
            case 2:
                guard let n = varint(), n <= UInt64(bytes.endIndex - i) else { return out }
                out[number] = .bytes(bytes[i..<i + Int(n)])
                i += Int(n)
            case 5: i += 4
            default: return out
            }
        }
        return out
    }
}
