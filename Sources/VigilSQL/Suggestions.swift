import VigilSystem

/// Close matches for a misspelt name, for error messages ("did you mean processes?").
enum Suggestions {
    /// The candidates closest to `word`, never `word` itself (when the name exists but
    /// not where it was used, suggesting it again would only confuse).
    static func closest(to word: String, in candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let threshold = max(2, word.utf8.count / 3)
        var scored: [(Int, String)] = []
        for candidate in candidates where candidate.lowercased() != word.lowercased() {
            let d = EditDistance.between(word.lowercased(), candidate.lowercased())
            let contains = candidate.lowercased().contains(word.lowercased()) && word.count >= 3
            if d <= threshold || contains { scored.append((contains ? min(d, 1) : d, candidate)) }
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(limit).map(\.1)
    }

    /// The lower-cased words of `sql` that could name a table: string literals
    /// ('processes') and comments are skipped, so a value never picks a table.
    static func identifiers(in sql: String) -> Set<String> {
        var words = Set<String>()
        var word = ""
        var chars = sql.lowercased().makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return chars.next()
        }
        func flush() { if !word.isEmpty { words.insert(word); word = "" } }
        while let c = next() {
            if c.isLetter || c.isNumber || c == "_" {
                word.append(c)
                continue
            }
            flush()
            switch c {
            case "'":
                // A literal ends at a quote not doubled ('it''s').
                while let d = next() {
                    if d == "'" {
                        guard let e = next() else { break }
                        if e != "'" { pending = e; break }
                    }
                }
            case "-":
                guard let d = next() else { break }
                if d == "-" { while let e = next(), e != "\n" {} } else { pending = d }
            case "/":
                guard let d = next() else { break }
                if d == "*" {
                    var star = false
                    while let e = next() {
                        if star && e == "/" { break }
                        star = e == "*"
                    }
                } else { pending = d }
            default:
                break
            }
        }
        flush()
        return words
    }

}
