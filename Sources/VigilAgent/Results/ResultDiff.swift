/// One result row as osquery logs it: column name → value as text (NULL as "").
public typealias ResultRow = [String: String]

/// Rows that appeared and disappeared between two runs of a query. Rows are compared as
/// a multiset: two identical rows in the new result against one in the old is one added.
public struct ResultDiff: Sendable, Equatable {
    public var added: [ResultRow]
    public var removed: [ResultRow]

    public init(added: [ResultRow] = [], removed: [ResultRow] = []) {
        self.added = added
        self.removed = removed
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty }

    /// What changed from `previous` to `current`; each list keeps the order of its source.
    public static func between(previous: [ResultRow], current: [ResultRow]) -> ResultDiff {
        var remaining: [ResultRow: Int] = [:]
        for row in previous { remaining[row, default: 0] += 1 }
        var added: [ResultRow] = []
        for row in current {
            if let n = remaining[row], n > 0 {
                remaining[row] = n - 1
            } else {
                added.append(row)
            }
        }
        var removed: [ResultRow] = []
        for row in previous {
            if let n = remaining[row], n > 0 {
                remaining[row] = n - 1
                removed.append(row)
            }
        }
        return ResultDiff(added: added, removed: removed)
    }
}

/// What one run of a query puts in the results log.
public enum ResultContent: Sendable, Equatable {
    case differential(ResultDiff)
    case snapshot([ResultRow])

    /// The content of a run of `entry`: every row for a snapshot query; for a differential
    /// one, the difference from `previous` (nil on the first run, when every row is added,
    /// as osquery does), without removals when the entry says `removed: false`.
    public static func of(snapshot: Bool, removed: Bool, previous: [ResultRow]?, current: [ResultRow]) -> ResultContent {
        if snapshot { return .snapshot(current) }
        var diff = ResultDiff.between(previous: previous ?? [], current: current)
        if !removed { diff.removed = [] }
        return .differential(diff)
    }

    /// Nothing to log: a differential run that changed nothing. A snapshot always logs,
    /// even with no rows, so that "ran and found nothing" is visible.
    public var isEmpty: Bool {
        if case .differential(let d) = self { return d.isEmpty }
        return false
    }
}
