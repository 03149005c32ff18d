/// Builds one JSON object as UTF-8 bytes in a reused buffer: no intermediate
/// Strings per field, and appends are plain copies into memory this object owns
/// (no Array uniqueness or exclusivity checks per fragment), for outputs that
/// write hundreds of thousands of events per second.
public final class JSONLine {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var first = true

    public init(capacity: Int = 4096) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    /// The encoded line so far (valid until the next call).
    public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }
    public var bytes: [UInt8] { Array(buffer) }

    private struct Appender {
        let line: JSONLine
        @inline(__always) func append(_ b: UInt8) {
            line.reserve(1)
            line.storage[line.count] = b
            line.count += 1
        }
        @inline(__always) func append(contentsOf source: UnsafeRawBufferPointer) {
            guard !source.isEmpty else { return }
            line.reserve(source.count)
            (line.storage + line.count).update(from: source.baseAddress!.assumingMemoryBound(to: UInt8.self), count: source.count)
            line.count += source.count
        }
    }

    @inline(__always) private func reserve(_ extra: Int) {
        if count + extra <= capacity { return }
        var grown = capacity * 2
        while grown < count + extra { grown *= 2 }
        let next = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        next.update(from: storage, count: count)
        storage.deallocate()
        storage = next
        capacity = grown
    }

    @inline(__always) private func put(_ b: UInt8) { Appender(line: self).append(b) }
    @inline(__always) private func put(_ raw: UnsafeRawBufferPointer) { Appender(line: self).append(contentsOf: raw) }
    @inline(__always) private func put(_ s: StaticString) { s.withUTF8Buffer { put(UnsafeRawBufferPointer($0)) } }

    public func begin() {
        count = 0
        put(UInt8(ascii: "{"))
        first = true
    }

    /// Close the object and add a newline.
    public func end() {
        put(UInt8(ascii: "}"))
        put(UInt8(ascii: "\n"))
    }

    func key(_ name: StaticString) {
        put(first ? UInt8(ascii: "\"") : UInt8(ascii: ","))
        if !first { put(UInt8(ascii: "\"")) }
        first = false
        put(name)
        put("\":")
    }

    /// A UTC timestamp string, "2026-11-21T17:30:00.123456789Z", formatted in place.
    /// The date-and-seconds part is cached: events of the same second share it.
    public func timeField(_ name: StaticString, nanoseconds: Int64) {
        key(name)
        let second = nanoseconds / 1_000_000_000
        if second != cachedSecond {
            cachedSecond = second
            cachedPrefix = Array(Clock.iso8601(nanoseconds: second * 1_000_000_000).utf8.prefix(20))  // through "SS."
        }
        put(UInt8(ascii: "\""))
        cachedPrefix.withUnsafeBytes { put($0) }
        var fraction = nanoseconds % 1_000_000_000
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (48, 48, 48, 48, 48, 48, 48, 48, 48)
        withUnsafeMutableBytes(of: &digits) { d in
            var i = 8
            while fraction > 0 && i >= 0 {
                d[i] = UInt8(truncatingIfNeeded: fraction % 10) + 48
                fraction /= 10
                i -= 1
            }
            put(UnsafeRawBufferPointer(d))
        }
        put("Z\"")
    }

    private var cachedSecond: Int64 = -1
    private var cachedPrefix: [UInt8] = []

    public func field(_ name: StaticString, _ value: some BinaryInteger) {
        key(name)
        appendInteger(value)
    }

    public func field(_ name: StaticString, _ value: Bool) {
        key(name)
        appendRaw(value ? "true" : "false")
    }

    public func field(_ name: StaticString, _ value: String) {
        key(name)
        appendString(value)
    }

    /// An integer or null.
    public func field(_ name: StaticString, _ value: (some BinaryInteger)?) {
        key(name)
        if let value { appendInteger(value) } else { appendRaw("null") }
    }

    public func field(_ name: StaticString, _ values: [String]) {
        key(name)
        put(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { put(UInt8(ascii: ",")) }
            appendString(v)
        }
        put(UInt8(ascii: "]"))
    }

    /// A field whose value the caller writes with the raw appenders (nested objects, arrays).
    public func rawField(_ name: StaticString, _ write: (JSONLine) -> Void) {
        key(name)
        write(self)
    }

    /// Append raw JSON punctuation or literals (`[`, `]`, `{`, `}`, `,`, `null`).
    public func append(raw s: StaticString) { appendRaw(s) }

    /// An object member inside a nested object written with `append(raw:)`.
    public func member(_ name: StaticString, _ value: some BinaryInteger, first: Bool = false) {
        if !first { put(UInt8(ascii: ",")) }
        put(UInt8(ascii: "\""))
        put(name)
        put("\":")
        appendInteger(value)
    }

    public func member(_ name: StaticString, _ value: String, first: Bool = false) {
        if !first { put(UInt8(ascii: ",")) }
        put(UInt8(ascii: "\""))
        put(name)
        put("\":")
        appendString(value)
    }

    /// A member whose name is only known at run time (a syscall's argument names).
    public func member(named name: String, _ value: some BinaryInteger, first: Bool = false) {
        if !first { put(UInt8(ascii: ",")) }
        appendString(name)
        put(UInt8(ascii: ":"))
        appendInteger(value)
    }

    public func member(named name: String, _ value: String, first: Bool = false) {
        if !first { put(UInt8(ascii: ",")) }
        appendString(name)
        put(UInt8(ascii: ":"))
        appendString(value)
    }

    func appendRaw(_ s: StaticString) { put(s) }

    func appendInteger(_ value: some BinaryInteger) {
        var v = Int64(truncatingIfNeeded: value)
        if v == 0 { put(UInt8(ascii: "0")); return }
        if v == .min { appendRaw("-9223372036854775808"); return }
        let negative = v < 0
        if negative { v = -v }
        // Digits right to left into a stack buffer, then one append.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var i = 23
            while v > 0 {
                d[i] = UInt8(truncatingIfNeeded: v % 10) + 48
                v /= 10
                i -= 1
            }
            if negative {
                d[i] = UInt8(ascii: "-")
                i -= 1
            }
            put(UnsafeRawBufferPointer(rebasing: d[(i + 1)...]))
        }
    }

    /// A JSON string: bytes copied, escaping quotes, backslashes and control characters.
    func appendString(_ s: String) {
        put(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            // Most strings need no escaping: copy them in one append.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                put(UnsafeRawBufferPointer(utf8))
                return
            }
            for b in utf8 { appendEscaped(b) }
        }
        put(UInt8(ascii: "\""))
    }

    private func appendEscaped(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""): appendRaw("\\\"")
        case UInt8(ascii: "\\"): appendRaw("\\\\")
        case UInt8(ascii: "\n"): appendRaw("\\n")
        case UInt8(ascii: "\r"): appendRaw("\\r")
        case UInt8(ascii: "\t"): appendRaw("\\t")
        case 0..<0x20:
            let hex: StaticString = "0123456789abcdef"
            appendRaw("\\u00")
            hex.withUTF8Buffer { h in
                put(h[Int(b >> 4)])
                put(h[Int(b & 0xf)])
            }
        default: put(b)
        }
    }
}
