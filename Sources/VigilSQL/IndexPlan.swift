/// The plan chosen in xBestIndex, carried to xFilter in `idxStr` so that
/// `EXPLAIN QUERY PLAN` shows it: `pid=?,uid IN ?|used=0x7`.
struct IndexPlan: Equatable {
    enum Operator: String, Equatable {
        case equals = "=?"
        case inList = " IN ?"
        case like = " LIKE ?"
    }

    struct Term: Equatable {
        let column: Int
        let op: Operator
    }

    /// Constraints in xFilter argv order.
    var terms: [Term]
    /// sqlite3_index_info.colUsed.
    var usedMask: UInt64

    /// idxNum: 0 full scan, 1 constrained, 2 a required constraint is missing.
    static let fullScan: Int32 = 0
    static let constrained: Int32 = 1
    static let missingRequired: Int32 = 2

    func encode(_ schema: TableSchema) -> String {
        let parts = terms.map { t in schema.columns[t.column].name + t.op.rawValue }
        return parts.joined(separator: ",") + "|used=0x" + String(usedMask, radix: 16)
    }

    static func decode(_ text: String, _ schema: TableSchema) -> IndexPlan? {
        guard let bar = text.lastIndex(of: "|") else { return nil }
        let head = text[..<bar]
        let tail = text[text.index(after: bar)...]
        guard tail.hasPrefix("used=0x"), let mask = UInt64(tail.dropFirst(7), radix: 16) else { return nil }
        var terms: [Term] = []
        if !head.isEmpty {
            for part in head.split(separator: ",") {
                guard let op = [Operator.inList, .like, .equals].first(where: { part.hasSuffix($0.rawValue) }) else { return nil }
                let name = part.dropLast(op.rawValue.count)
                guard let i = schema.position(of: String(name)) else { return nil }
                terms.append(Term(column: i, op: op))
            }
        }
        return IndexPlan(terms: terms, usedMask: mask)
    }
}
