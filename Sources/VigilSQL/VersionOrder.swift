/// osquery's version orderings, behind its collations `version`, `version_arch`,
/// `version_dpkg` and `version_rhel` (osquery/sql/sqlite_collation.cpp): a heuristic
/// that works on bytes, not any package manager's exact rules.
///
/// Versions split into segments at the delimiters `~ - ^ . :`. Two segments compare by
/// length first (a segment that goes on where the other has reached a delimiter is the
/// greater, so "10" > "9"), then by their first differing byte. Different delimiters
/// count as equal unless the kind ranks them (dpkg, rhel: `~` < `-` < `^` < `.` < `:`).
/// The package kinds compare epochs first (the longer `N:` prefix is the greater; a
/// version with an epoch beats one without). When one version is a prefix of the other
/// in segment shape, arch and rhel look at what the longer goes on with: `~` sorts it
/// below, `-` ties, `^` sorts it above; otherwise the first differing byte of the last
/// segment decides (for arch only when that segment ends in a letter); the other kinds
/// let it decide when the longer version's next byte is a delimiter (the segment ended
/// in both), and else the longer version is the greater. An empty version sorts first.
public enum VersionOrder: String, Sendable, CaseIterable {
    case generic = "version"
    case arch = "version_arch"
    case dpkg = "version_dpkg"
    case rhel = "version_rhel"

    var comparesEpochs: Bool { self != .generic }
    var ranksDelimiters: Bool { self == .dpkg || self == .rhel }
    var ranksRemainder: Bool { self == .arch || self == .rhel }
    /// arch: a last segment ending in a digit is decided by length ("9" < "10").
    var numericRemainderByLength: Bool { self == .arch }

    /// The rank of a delimiter byte, 0 for any other byte.
    static func delimiterRank(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "~"): return 1
        case UInt8(ascii: "-"): return 2
        case UInt8(ascii: "^"): return 3
        case UInt8(ascii: "."): return 4
        case UInt8(ascii: ":"): return 5
        default: return 0
        }
    }

    /// Negative, zero or positive as `a` sorts before, with, or after `b`.
    public func compare<A: RandomAccessCollection<UInt8>, B: RandomAccessCollection<UInt8>>(_ a: A, _ b: B) -> Int
    where A.Index == Int, B.Index == Int {
        let l = Array(a), r = Array(b)
        if l.isEmpty || r.isEmpty { return (l.isEmpty ? 0 : 1) - (r.isEmpty ? 0 : 1) }
        if l == r { return 0 }
        if comparesEpochs {
            let le = l.firstIndex(of: UInt8(ascii: ":")), re = r.firstIndex(of: UInt8(ascii: ":"))
            switch (le, re) {
            case let (le?, re?) where le != re: return le - re
            case (.some, nil): return 1
            case (nil, .some): return -1
            default: break
            }
        }
        var firstDifference = 0
        let shorter = min(l.count, r.count)
        for i in 0..<shorter {
            let lRank = Self.delimiterRank(l[i]), rRank = Self.delimiterRank(r[i])
            switch (lRank, rRank) {
            case (0, 0):
                if firstDifference == 0 { firstDifference = Int(l[i]) - Int(r[i]) }
                continue
            case (_, 0): return -1
            case (0, _): return 1
            default:
                if firstDifference != 0 { return firstDifference }
                if ranksDelimiters, lRank != rRank { return lRank - rRank }
            }
        }
        if l.count == r.count { return firstDifference }
        // One version goes on past the other's end.
        let (longer, shortOne, sign) = l.count > r.count ? (l, r, 1) : (r, l, -1)
        let next = longer[shorter]
        if ranksRemainder {
            // A pre-release (~) sorts below the shorter version, a revision (-) ties
            // with it, a post-release (^) sorts above.
            if let rank = Self.remainderRank(next) { return sign * rank }
            let lastIsDigit = shortOne[shorter - 1] >= UInt8(ascii: "0") && shortOne[shorter - 1] <= UInt8(ascii: "9")
            if firstDifference != 0, !(numericRemainderByLength && lastIsDigit) { return firstDifference }
        } else if firstDifference != 0, Self.delimiterRank(next) > 0 {
            // The last segment ended in both: its first difference decides ("1.12.1" < "1.13").
            return firstDifference
        }
        return l.count - r.count
    }

    static func remainderRank(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "~"): return -1
        case UInt8(ascii: "-"): return 0
        case UInt8(ascii: "^"): return 1
        default: return nil
        }
    }
}
