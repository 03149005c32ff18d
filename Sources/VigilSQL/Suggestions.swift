import VigilSystem

/// Close matches for a misspelt name, for error messages ("did you mean processes?").
enum Suggestions {
    static func closest(to word: String, in candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let threshold = max(2, word.utf8.count / 3)
        var scored: [(Int, String)] = []
        for candidate in candidates {
            let d = EditDistance.between(word.lowercased(), candidate.lowercased())
            let contains = candidate.lowercased().contains(word.lowercased()) && word.count >= 3
            if d <= threshold || contains { scored.append((contains ? min(d, 1) : d, candidate)) }
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(limit).map(\.1)
    }

}
