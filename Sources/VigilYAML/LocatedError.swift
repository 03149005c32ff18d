import VigilSystem

/// A file that cannot be used, and where: `FILE:LINE:COLUMN: REASON`, the form compilers
/// and editors understand. Line and column are 1-based and point at the offending key or
/// value. `Document` only tells the kinds of file apart (`PolicyError`, `ConfigError`),
/// so that a parser's typed throws say which file it reads.
public struct LocatedError<Document>: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let line: Int
    public let column: Int
    public let reason: String

    public init(file: String, line: Int, column: Int, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String { "\(file):\(line):\(column): \(reason)" }
}

/// Close-match suggestions for misspelt keys and names (EditDistance underneath).
public enum Suggestion {
    /// "; did you mean 'x'?" when one candidate is close, else "; expected one of: a, b, c"
    /// (or nothing when there are too many candidates to list usefully).
    public static func hint(for word: String, among candidates: [String]) -> String {
        if let close = didYouMean(word, among: candidates) { return close }
        if candidates.isEmpty || candidates.count > 12 { return "" }
        return "; expected one of: " + candidates.joined(separator: ", ")
    }

    /// "; did you mean 'x'?" when one candidate is close, else nil.
    public static func didYouMean(_ word: String, among candidates: [String]) -> String? {
        closest(to: word, among: candidates).map { "; did you mean '\($0)'?" }
    }

    public static func closest(to word: String, among candidates: [String]) -> String? {
        EditDistance.closest(to: word, among: candidates)
    }
}
