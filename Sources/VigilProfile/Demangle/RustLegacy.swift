/// rustc's legacy mangling is Itanium C++ with a hash and a few escapes that a
/// C++ demangler passes through: `$LT$` for `<`, `$u7b$` for `{`, `..` for `::`.
enum RustLegacy {
    private static let escapes: [(String, String)] = [
        ("$SP$", "@"), ("$BP$", "*"), ("$RF$", "&"), ("$LT$", "<"), ("$GT$", ">"), ("$LP$", "("), ("$RP$", ")"),
        ("$C$", ","), ("$u20$", " "), ("$u22$", "\""), ("$u27$", "'"), ("$u2b$", "+"), ("$u3b$", ";"),
        ("$u5b$", "["), ("$u5d$", "]"), ("$u7b$", "{"), ("$u7d$", "}"), ("$u7e$", "~"),
    ]

    /// `::`-separated path parts of a C++-demangled Rust name, hash dropped, escapes decoded.
    static func clean(_ demangled: String) -> String {
        var parts = demangled.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        if let last = parts.last, last.utf8.count == 17, last.hasPrefix("h"), last.utf8.dropFirst().allSatisfy(isHex) {
            parts.removeLast()
        }
        return parts.map(unescape).joined(separator: "::")
    }

    private static func unescape(_ part: String) -> String {
        // A part that starts with an escape gets a "_" in front, to stay a valid identifier.
        var s = part.hasPrefix("_$") ? String(part.dropFirst()) : part
        guard s.contains("$") || s.contains("..") else { return s }
        s = s.replacing("..", with: "::")
        for (escape, text) in escapes { s = s.replacing(escape, with: text) }
        return s
    }

    private static func isHex(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 102) }
}
