/// Durations as people write them, one grammar for every command-line option and
/// every file (`vigil trace --duration`, `vigil profile --interval`, a policy's
/// `window`): number-and-unit pairs from the largest unit down, each unit once
/// (`500ms`, `10s`, `2m30s`, `1h`, `1.5s`), or a plain number of seconds (`10`,
/// `0.5`). Units: `h`, `m`, `s`, `ms`. No sign, no spaces, no exponent.
public enum DurationText {
    /// The units, largest first: the order a combination must follow.
    static let units: [(name: String, nanoseconds: Int64)] = [
        ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000),
    ]

    /// `text` in nanoseconds (0 or more; the caller bounds it).
    public static func nanoseconds(_ text: String) throws(DurationError) -> Int64 {
        func fail(_ reason: String) -> DurationError { DurationError(text: text, reason: reason) }
        if text.isEmpty { throw fail("it is empty") }
        if text.first == "-" { throw fail("a duration cannot be negative") }
        var rest = Substring(text)
        var total: Int64 = 0
        var smallestSoFar = Int64.max
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unitText.count)
            if number.isEmpty {
                let at = unitText.isEmpty ? String(rest.prefix(1)) : String(unitText)
                throw fail("expected a number before '\(at)'")
            }
            let scale: Int64
            if unitText.isEmpty {
                // A bare number is seconds, but only alone: "2m30" is a missing unit.
                guard smallestSoFar == .max, rest.isEmpty else { throw fail("'\(number)' has no unit") }
                scale = 1_000_000_000
            } else {
                guard let unit = units.first(where: { $0.name == unitText }) else {
                    throw fail("unknown unit '\(unitText)' (use h, m, s or ms)")
                }
                guard unit.nanoseconds < smallestSoFar else {
                    throw fail("'\(unitText)' comes twice or after a smaller unit; write the largest unit first, each once (2m30s)")
                }
                smallestSoFar = unit.nanoseconds
                scale = unit.nanoseconds
            }
            guard number.filter({ $0 == "." }).count <= 1, number.contains(where: \.isNumber) else {
                throw fail("'\(number)' is not a number")
            }
            guard let part = value(number, scale: scale) else { throw fail("it is too long") }
            let (sum, overflow) = total.addingReportingOverflow(part)
            if overflow { throw fail("it is too long") }
            total = sum
        }
        return total
    }

    /// `text` in seconds.
    public static func seconds(_ text: String) throws(DurationError) -> Double {
        Double(try nanoseconds(text)) / 1e9
    }

    /// digits[.digits] (checked by the caller) × scale, rounded to the nanosecond;
    /// nil when too large.
    static func value(_ number: Substring, scale: Int64) -> Int64? {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard let whole = parts[0].isEmpty ? 0 : Int64(parts[0]) else { return nil }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: scale)
        if overflow { return nil }
        guard parts.count == 2, !parts[1].isEmpty else { return scaled }
        // The first 18 digits of the fraction, rounded to the nanosecond (0.1s is 100,000,000 ns).
        let digits = parts[1].prefix(18)
        guard let fraction = Int64(digits) else { return nil }
        var denominator: Int64 = 1
        for _ in 0..<digits.count { denominator *= 10 }
        let part = (Double(fraction) / Double(denominator) * Double(scale)).rounded()
        let (sum, over) = scaled.addingReportingOverflow(Int64(part))
        return over ? nil : sum
    }
}

/// A duration that could not be read, with the text and why.
public struct DurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let text: String
    public let reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String {
        "cannot read duration '\(text)': \(reason); write it like 500ms, 10s, 2m30s or 1h (a plain number is seconds)"
    }
}
