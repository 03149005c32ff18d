/// Lines of a byte buffer, split on '\n' (a trailing '\r' is dropped), without
/// decoding to String. For /proc and /sys files read once per process per scan.
public struct ByteLines: Sequence, IteratorProtocol {
    let bytes: [UInt8]
    var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public mutating func next() -> ArraySlice<UInt8>? {
        while position < bytes.count {
            let start = position
            var end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            position = end + 1
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if end > start { return bytes[start..<end] }
        }
        return nil
    }

    /// Whitespace-separated fields of a line.
    public static func fields(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
    }

    /// Every whitespace-separated decimal integer in a line (non-numbers skipped).
    public static func integers(_ line: ArraySlice<UInt8>) -> [Int64] {
        fields(line).compactMap { Int64(decimal: $0) }
    }
}
