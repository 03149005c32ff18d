import Synchronization

/// osquery's string functions: split, regex_split, regex_match, concat, concat_ws,
/// and the REGEXP operator (`x REGEXP 'pattern'` calls regexp(pattern, x)).
enum StringFunctions {
    static let all: [SQLFunction] = [
        SQLFunction("split", 3) { args throws(FunctionError) in
            try splitCall(args) { input, tokens in split(input, anyOf: tokens) }
        },
        SQLFunction("regex_split", 3) { args throws(FunctionError) in
            try splitCall(args) { input, pattern throws(FunctionError) in try regexSplit(input, pattern) }
        },
        SQLFunction("regex_match", 3) { args throws(FunctionError) in
            guard let input = args.text(0), let pattern = args.text(1), !args.isNull(2) else { return .null }
            let index = Int(args.int64(2))
            let regex = try RegexCache.shared.regex(pattern)
            guard index >= 0, let match = input.firstMatch(of: regex), index < match.output.count else { return .null }
            // A group that took no part in the match reads as empty text, as in std::smatch.
            return .text(match.output[index].substring.map(String.init) ?? "")
        },
        SQLFunction("regexp", 2) { args throws(FunctionError) in
            guard let pattern = args.text(0), let input = args.text(1) else { return .null }
            return SQLValue(try input.contains(RegexCache.shared.regex(pattern)))
        },
        SQLFunction("concat", -1) { args in .text(concat(args, separator: "", from: 0)) },
        SQLFunction("concat_ws", -1) { args throws(FunctionError) in
            guard args.count > 0 else { throw FunctionError("Missing separator to concat_ws") }
            return .text(concat(args, separator: args.text(0) ?? "", from: 1))
        },
    ]

    /// split/regex_split: NULL for any NULL argument or an index past the pieces;
    /// an empty separator is an error.
    static func splitCall(_ args: FunctionArguments, _ pieces: (String, String) throws(FunctionError) -> [String]) throws(FunctionError) -> SQLValue {
        guard let input = args.text(0), let separator = args.text(1), !args.isNull(2) else { return .null }
        guard !separator.isEmpty else { throw FunctionError("Invalid input to split function") }
        let index = args.int64(2)
        let parts = try pieces(input, separator)
        guard index >= 0, index < parts.count else { return .null }
        return .text(parts[Int(index)])
    }

    /// osquery's split: cut at any character of `tokens`, drop empty pieces, then
    /// trim whitespace from each.
    static func split(_ input: String, anyOf tokens: String) -> [String] {
        let cut = Set(tokens.unicodeScalars)
        return input.unicodeScalars.split(omittingEmptySubsequences: true, whereSeparator: { cut.contains($0) })
            .map { String(String.UnicodeScalarView($0)).trimmingWhitespaceScalars() }
    }

    /// The text between matches of `pattern`; a trailing empty piece is dropped
    /// (std::sregex_token_iterator with -1, which osquery uses).
    static func regexSplit(_ input: String, _ pattern: String) throws(FunctionError) -> [String] {
        let regex = try RegexCache.shared.regex(pattern)
        var pieces: [String] = []
        var start = input.startIndex
        for match in input.matches(of: regex) where !match.range.isEmpty {
            pieces.append(String(input[start..<match.range.lowerBound]))
            start = match.range.upperBound
        }
        let tail = String(input[start...])
        if !tail.isEmpty { pieces.append(tail) }
        return pieces
    }

    /// osquery's concat/concat_ws: NULLs are skipped; the separator follows each
    /// non-NULL argument that is not the last one.
    static func concat(_ args: FunctionArguments, separator: String, from first: Int) -> String {
        var out = ""
        for i in first..<max(first, args.count) {
            guard let s = args.text(i) else { continue }
            out += s
            if !separator.isEmpty && i + 1 < args.count { out += separator }
        }
        return out
    }
}

/// Compiled patterns, most recent first: a query applies the same pattern to every
/// row, and compiling is far dearer than matching.
final class RegexCache: Sendable {
    static let shared = RegexCache()
    /// osquery's default regex_max_size.
    static let maxPatternBytes = 256
    /// @unchecked: a compiled Regex is an immutable value, safe to share between threads.
    struct Entry: @unchecked Sendable { let pattern: String; let regex: Regex<AnyRegexOutput> }
    private let entries = Mutex<[Entry]>([])

    func regex(_ pattern: String) throws(FunctionError) -> Regex<AnyRegexOutput> {
        if let hit = entries.withLock({ $0.first(where: { $0.pattern == pattern }) }) { return hit.regex }
        guard pattern.utf8.count < Self.maxPatternBytes else {
            throw FunctionError("Invalid regex: too big, max size is \(Self.maxPatternBytes) bytes")
        }
        let compiled: Regex<AnyRegexOutput>
        do {
            // Unicode scalars, not grapheme clusters: ECMAScript's model, which osquery's std::regex follows.
            compiled = try Regex(pattern).matchingSemantics(.unicodeScalar)
        } catch {
            throw FunctionError("Invalid regex: \(pattern)")
        }
        let entry = Entry(pattern: pattern, regex: compiled)
        entries.withLock { list in
            list.insert(entry, at: 0)
            if list.count > 8 { list.removeLast() }
        }
        return compiled
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespaceScalars() -> String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first...last])
    }
}
