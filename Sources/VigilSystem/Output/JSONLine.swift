/// Builds one JSON object as UTF-8 bytes in a reused buffer: no intermediate
/// Strings per field, and appends are plain copies into memory this object owns
/// (no Array uniqueness or exclusivity checks per fragment), for outputs that
/// write hundreds of thousands of events per second.
public final class JSONLine {
    /// The buffer and position live behind a pointer: stored properties of a class
    /// are checked for exclusive access on every touch, which dominated the cost of
    /// encoding when they were plain properties.
    @usableFromInline struct State {
        @usableFromInline var storage: UnsafeMutablePointer<UInt8>
        @usableFromInline var capacity: Int
        @usableFromInline var count = 0
        var first = true
        /// The second whose "YYYY-MM-DDTHH:MM:SS." prefix is cached (20 bytes), with
        /// its decimal digits (the leading part of a nanosecond count in that second).
        var cachedSecond: Int64 = -1
        var cachedPrefix: (UInt64, UInt64, UInt32) = (0, 0, 0)
        var cachedSecondDigits: (UInt64, UInt64, UInt32) = (0, 0, 0)
        var cachedSecondDigitCount = 0
    }

    @usableFromInline let state: UnsafeMutablePointer<State>

    public init(capacity: Int = 4096) {
        state = .allocate(capacity: 1)
        state.initialize(to: State(storage: .allocate(capacity: capacity), capacity: capacity))
    }

    deinit {
        state.pointee.storage.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// The encoded line so far (valid until the next call).
    public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: state.pointee.storage, count: state.pointee.count) }
    public var bytes: [UInt8] { Array(buffer) }

    @inlinable @inline(__always) func reserve(_ extra: Int) {
        if state.pointee.count + extra > state.pointee.capacity { grow(extra) }
    }

    @usableFromInline @inline(never) func grow(_ extra: Int) {
        let s = state
        var grown = s.pointee.capacity * 2
        while grown < s.pointee.count + extra { grown *= 2 }
        let next = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        next.update(from: s.pointee.storage, count: s.pointee.count)
        s.pointee.storage.deallocate()
        s.pointee.storage = next
        s.pointee.capacity = grown
    }

    @inlinable @inline(__always) func put(_ b: UInt8) {
        reserve(1)
        state.pointee.storage[state.pointee.count] = b
        state.pointee.count += 1
    }

    @inlinable @inline(__always) func put(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress, !raw.isEmpty else { return }
        reserve(raw.count)
        let dst = state.pointee.storage + state.pointee.count
        if raw.count <= 16 {
            // Keys and punctuation: a call to memmove costs more than the copy.
            for i in 0..<raw.count { dst[i] = raw[i] }
        } else {
            dst.update(from: base.assumingMemoryBound(to: UInt8.self), count: raw.count)
        }
        state.pointee.count += raw.count
    }

    @inlinable @inline(__always) func put(_ s: StaticString) { s.withUTF8Buffer { put(UnsafeRawBufferPointer($0)) } }

    /// Raw JSON text known at compile time (`,"pid":`, `null`): no reference counting,
    /// inlined into encoders that write hundreds of thousands of lines a second.
    @inlinable @inline(__always) public func raw(_ s: StaticString) { put(s) }

    public func begin() {
        state.pointee.count = 0
        put(UInt8(ascii: "{"))
        state.pointee.first = true
    }

    /// Close the object and add a newline.
    public func end() {
        put(UInt8(ascii: "}"))
        put(UInt8(ascii: "\n"))
    }

    @usableFromInline func key(_ name: StaticString) {
        let first = state.pointee.first
        put(first ? UInt8(ascii: "\"") : UInt8(ascii: ","))
        if !first { put(UInt8(ascii: "\"")) }
        state.pointee.first = false
        put(name)
        put("\":")
    }

    /// A UTC timestamp string, "2026-11-21T17:30:00.123456789Z", formatted in place.
    /// The date-and-seconds part is cached: events of the same second share it.
    public func timeField(_ name: StaticString, nanoseconds: Int64) {
        key(name)
        appendTime(nanoseconds: nanoseconds)
    }

    /// The quoted time string alone (for encoders that write their own keys).
    public func appendTime(nanoseconds: Int64) {
        guard nanoseconds >= 0 else { return appendSlowTime(nanoseconds: nanoseconds) }
        cacheSecond(nanoseconds / 1_000_000_000)
        put(UInt8(ascii: "\""))
        withUnsafeBytes(of: state.pointee.cachedPrefix) { put(UnsafeRawBufferPointer(rebasing: $0[..<20])) }
        appendFraction(nanoseconds % 1_000_000_000)
        put("Z\"")
    }

    /// The quoted time, then `separator` (a key fragment), then the same instant as a
    /// count of nanoseconds: its digits are the cached second's and the fraction's
    /// just written, so the longest number of a line is not converted twice.
    public func appendTime(nanoseconds: Int64, thenNumberAfter separator: StaticString) {
        guard nanoseconds >= 0 else {
            appendSlowTime(nanoseconds: nanoseconds)
            put(separator)
            return appendInteger(nanoseconds)
        }
        let second = nanoseconds / 1_000_000_000
        appendTime(nanoseconds: nanoseconds)
        put(separator)
        if second == 0 { return appendInteger(nanoseconds) }
        withUnsafeBytes(of: state.pointee.cachedSecondDigits) {
            put(UnsafeRawBufferPointer(rebasing: $0[..<state.pointee.cachedSecondDigitCount]))
        }
        appendFraction(nanoseconds % 1_000_000_000)
    }

    private func cacheSecond(_ second: Int64) {
        guard second != state.pointee.cachedSecond else { return }
        state.pointee.cachedSecond = second
        let prefix = Array(Clock.iso8601(nanoseconds: second * 1_000_000_000).utf8.prefix(20))  // through "SS."
        withUnsafeMutableBytes(of: &state.pointee.cachedPrefix) { $0.copyBytes(from: prefix) }
        let digits = Array(String(second).utf8.prefix(20))
        withUnsafeMutableBytes(of: &state.pointee.cachedSecondDigits) { $0.copyBytes(from: digits) }
        state.pointee.cachedSecondDigitCount = digits.count
    }

    /// Nine digits, zero-padded, two at a time from the pair table.
    private func appendFraction(_ fraction: Int64) {
        reserve(9)
        let end = state.pointee.storage + state.pointee.count + 9
        var q = end
        var m = Int(fraction)
        Self.digitPairs.withUTF8Buffer { pairs in
            for _ in 0..<4 {
                let r = m % 100
                m /= 100
                q -= 2
                q[0] = pairs[2 * r]
                q[1] = pairs[2 * r + 1]
            }
            q -= 1
            q[0] = UInt8(truncatingIfNeeded: m) + 48
        }
        state.pointee.count += 9
    }

    /// Before 1970: no caching, through Clock.
    private func appendSlowTime(nanoseconds: Int64) {
        appendString(Clock.iso8601(nanoseconds: nanoseconds))
    }

    @inlinable public func field(_ name: StaticString, _ value: some BinaryInteger) {
        key(name)
        appendInteger(Int64(truncatingIfNeeded: value))
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
    @inlinable public func field(_ name: StaticString, _ value: (some BinaryInteger)?) {
        key(name)
        if let value { appendInteger(Int64(truncatingIfNeeded: value)) } else { appendRaw("null") }
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
    @inlinable public func member(_ name: StaticString, _ value: some BinaryInteger, first: Bool = false) {
        memberKey(name, first: first)
        appendInteger(Int64(truncatingIfNeeded: value))
    }

    @usableFromInline func memberKey(_ name: StaticString, first: Bool) {
        if !first { put(UInt8(ascii: ",")) }
        put(UInt8(ascii: "\""))
        put(name)
        put("\":")
    }

    public func member(_ name: StaticString, _ value: String, first: Bool = false) {
        if !first { put(UInt8(ascii: ",")) }
        put(UInt8(ascii: "\""))
        put(name)
        put("\":")
        appendString(value)
    }

    /// A member whose name is only known at run time (a syscall's argument names).
    @inlinable public func member(named name: String, _ value: some BinaryInteger, first: Bool = false) {
        memberKey(named: name, first: first)
        appendInteger(Int64(truncatingIfNeeded: value))
    }

    @usableFromInline func memberKey(named name: String, first: Bool) {
        if !first { put(UInt8(ascii: ",")) }
        appendString(name)
        put(UInt8(ascii: ":"))
    }

    public func member(named name: String, _ value: String, first: Bool = false) {
        if !first { put(UInt8(ascii: ",")) }
        appendString(name)
        put(UInt8(ascii: ":"))
        appendString(value)
    }

    @usableFromInline func appendRaw(_ s: StaticString) { put(s) }

    @usableFromInline func appendInteger(_ value: Int64) {
        reserve(20)
        var p = state.pointee.storage + state.pointee.count
        if value < 0 {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        var m = value.magnitude
        // Digits counted with multiplications, then written right to left two at a
        // time from a table: a division per pair instead of per digit.
        var n = 1
        var threshold: UInt64 = 10
        while n < 20 && m >= threshold {
            n += 1
            threshold = threshold &* 10
        }
        let end = p + n
        var q = end
        Self.digitPairs.withUTF8Buffer { pairs in
            while m >= 100 {
                let r = Int(m % 100)
                m /= 100
                q -= 2
                q[0] = pairs[2 * r]
                q[1] = pairs[2 * r + 1]
            }
            if m >= 10 {
                q -= 2
                q[0] = pairs[2 * Int(m)]
                q[1] = pairs[2 * Int(m) + 1]
            } else {
                q -= 1
                q[0] = UInt8(truncatingIfNeeded: m) + 48
            }
        }
        state.pointee.count = end - state.pointee.storage
    }

    /// "00" through "99" (a literal, so reading it needs no lazy initialisation).
    @usableFromInline static var digitPairs: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }

    // MARK: Appenders for encoders with precomputed key fragments

    /// Starts a new line without writing anything (the caller's first fragment opens the object).
    public func reset() {
        state.pointee.count = 0
        state.pointee.first = true
    }

    /// Raw JSON text: precomputed `,"key":` fragments, literals.
    public func appendRaw(bytes: UnsafeRawBufferPointer) { put(bytes) }

    public func appendRaw(bytes: [UInt8]) { bytes.withUnsafeBytes { put($0) } }

    public func appendNumber(_ value: Int64) { appendInteger(value) }

    /// Bytes as a JSON string (quoted, escaped), exactly as appendString would write
    /// String(decoding: bytes, as: UTF8.self).
    public func appendQuoted(bytes: UnsafeRawBufferPointer) {
        // One pass: most names and paths are printable ASCII and are copied whole.
        var plain = true
        var ascii = true
        for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b >= 0x80 {
            plain = false
            if b >= 0x80 { ascii = false; break }
        }
        // Non-ASCII: through String, which replaces invalid UTF-8 so the line stays valid JSON.
        if !ascii { return appendString(String(decoding: bytes, as: UTF8.self)) }
        put(UInt8(ascii: "\""))
        if plain {
            put(bytes)
        } else {
            for b in bytes { appendEscaped(b) }
        }
        put(UInt8(ascii: "\""))
    }

    public func appendQuoted(_ s: String) { appendString(s) }

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
