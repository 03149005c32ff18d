/// The words a reader's errors use where file formats differ: each parser names its
/// own, so that one reader serves a strict policy file and a forgiving osquery config.
public struct YAMLWording: Sendable {
    /// How an allowed range is said after "X must be".
    public enum Range: Sendable {
        /// "between 1 and 4096"
        case between
        /// "at least 1 and at most 100", or "at least 1" when there is no upper bound.
        case atLeast

        func text<T: FixedWidthInteger>(_ range: ClosedRange<T>) -> String {
            switch self {
            case .between: return "between \(range.lowerBound) and \(range.upperBound)"
            case .atLeast:
                let upper = range.upperBound == T.max ? "" : " and at most \(range.upperBound)"
                return "at least \(range.lowerBound)\(upper)"
            }
        }
    }

    /// The reason for a document with nothing in it ("the policy is empty").
    public var empty: String
    /// What a whole number is called in "expected X for ...".
    public var integer: String
    public var range: Range
    /// Before a syntax problem ("invalid YAML: ...").
    public var invalid: String
    /// Before a failure that Yams does not describe as a YamlError.
    public var unreadable: String
    /// After "duplicate key 'x'".
    public var duplicateKeyAdvice: String
    /// Whether text libyaml cannot read (control characters, bad UTF-8) is reported at its
    /// line and column; else at 1:1 with Yams' own description.
    public var locatesUnreadableText: Bool

    public init(
        empty: String, integer: String = "an integer", range: Range = .between,
        invalid: String = "invalid YAML", unreadable: String = "invalid YAML",
        duplicateKeyAdvice: String = "", locatesUnreadableText: Bool = true
    ) {
        self.empty = empty
        self.integer = integer
        self.range = range
        self.invalid = invalid
        self.unreadable = unreadable
        self.duplicateKeyAdvice = duplicateKeyAdvice
        self.locatesUnreadableText = locatesUnreadableText
    }
}
