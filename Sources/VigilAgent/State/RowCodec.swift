/// Stores result rows as one blob: a count of rows, then per row a count of columns and
/// each name and value as length-prefixed UTF-8 (lengths little-endian UInt32). Length
/// prefixes rather than separators: values may hold any byte, NUL included.
enum RowCodec {
    static func encode(_ rows: [ResultRow]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 64)
        func put(_ n: Int) {
            let v = UInt32(truncatingIfNeeded: n)
            out += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)]
        }
        func put(_ s: String) {
            put(s.utf8.count)
            out += s.utf8
        }
        put(rows.count)
        for row in rows {
            put(row.count)
            // Sorted, so that equal rows encode to equal bytes.
            for (key, value) in row.sorted(by: { $0.key < $1.key }) {
                put(key)
                put(value)
            }
        }
        return out
    }

    /// Nil when the bytes are not a valid encoding.
    static func decode(_ bytes: [UInt8]) -> [ResultRow]? {
        var at = 0
        func count() -> Int? {
            guard at + 4 <= bytes.count else { return nil }
            let v = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            at += 4
            return Int(v)
        }
        func string() -> String? {
            guard let n = count(), at + n <= bytes.count else { return nil }
            defer { at += n }
            return String(decoding: bytes[at..<at + n], as: UTF8.self)
        }
        guard let rowCount = count(), rowCount <= bytes.count else { return nil }
        var rows: [ResultRow] = []
        rows.reserveCapacity(rowCount)
        for _ in 0..<rowCount {
            guard let columns = count(), columns <= bytes.count else { return nil }
            var row: ResultRow = [:]
            for _ in 0..<columns {
                guard let key = string(), let value = string() else { return nil }
                row[key] = value
            }
            rows.append(row)
        }
        return at == bytes.count ? rows : nil
    }
}
