/// Close matches for a misspelt name, for error messages ("did you mean processes?").
enum Suggestions {
    static func closest(to word: String, in candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let target = Array(word.lowercased().utf8)
        let threshold = max(2, target.count / 3)
        var scored: [(Int, String)] = []
        for candidate in candidates {
            let c = Array(candidate.lowercased().utf8)
            let d = distance(target, c)
            let contains = candidate.lowercased().contains(word.lowercased()) && word.count >= 3
            if d <= threshold || contains { scored.append((contains ? min(d, 1) : d, candidate)) }
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(limit).map(\.1)
    }

    /// Levenshtein distance over bytes.
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
