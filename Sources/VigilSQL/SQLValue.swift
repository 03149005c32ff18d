/// One SQLite value, as a table produces it or a query returns it.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    /// The value as text, the way osquery renders every column.
    public var text: String? {
        switch self {
        case .null: return nil
        case .integer(let v): return String(v)
        case .double(let v): return String(v)
        case .text(let v): return v
        case .blob(let v): return String(decoding: v, as: UTF8.self)
        }
    }

    /// The value as a floating-point number when it is a number or text that parses as one.
    public var double: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .double(let v): return v
        case .text(let v): return Double(v)
        default: return nil
        }
    }

    /// The value as an integer when it is one or is text that parses as one.
    public var integer: Int64? {
        switch self {
        case .integer(let v): return v
        case .double(let v): return Int64(exactly: v)
        case .text(let v): return Int64(v)
        default: return nil
        }
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue {
    public init(_ v: some BinaryInteger) { self = .integer(Int64(truncatingIfNeeded: v)) }
    public init(_ v: String) { self = .text(v) }
    public init(_ v: Double) { self = .double(v) }
    public init(_ v: Bool) { self = .integer(v ? 1 : 0) }
    /// `nil` becomes SQL NULL.
    public init(_ v: String?) { self = v.map(SQLValue.text) ?? .null }
    public init(_ v: (some BinaryInteger)?) { self = v.map { .integer(Int64(truncatingIfNeeded: $0)) } ?? .null }
}
