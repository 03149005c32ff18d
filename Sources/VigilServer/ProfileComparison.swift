import Hummingbird
import VigilProfileFormats
import VigilWebUI

/// Two profiles of one host compared function by function: each function's share of the
/// samples, inclusive (on the stack) and self (at the top), in each, and the change. Shares,
/// not counts, so profiles of different lengths or frequencies compare.
enum ProfileComparing {
    /// Function name → (inclusive, self) share of all samples, in percent.
    static func shares(_ stacks: NamedStacks) -> [String: (total: Double, own: Double)] {
        let all = Double(max(1, stacks.total))
        var total: [String: UInt64] = [:], own: [String: UInt64] = [:]
        for stack in stacks.stacks {
            // A recursive function counts once per stack in its inclusive share.
            var seen = Set<String>()
            for index in stack.path {
                let name = stacks.functions[index].name
                if seen.insert(name).inserted { total[name, default: 0] += stack.value }
            }
            if let leaf = stack.path.last { own[stacks.functions[leaf].name, default: 0] += stack.value }
        }
        return total.mapValues { (Double($0) / all * 100, 0) }.merging(own.mapValues { (0, Double($0) / all * 100) }) { a, b in (a.total, b.own) }
    }

    /// The largest changes of inclusive share first (ties by self share, then name).
    static func changes(before: NamedStacks, after: NamedStacks, limit: Int) -> [ProfileChange] {
        let a = shares(before), b = shares(after)
        let names = Set(a.keys).union(b.keys)
        let all = names.map { name in
            ProfileChange(function: name, totalBefore: a[name]?.total ?? 0, totalAfter: b[name]?.total ?? 0,
                          selfBefore: a[name]?.own ?? 0, selfAfter: b[name]?.own ?? 0)
        }
        return all.sorted {
            let x = abs($0.totalAfter - $0.totalBefore), y = abs($1.totalAfter - $1.totalBefore)
            if x != y { return x > y }
            let sx = abs($0.selfAfter - $0.selfBefore), sy = abs($1.selfAfter - $1.selfBefore)
            return sx != sy ? sx > sy : $0.function < $1.function
        }.prefix(limit).map { $0 }
    }
}

extension APIEndpoints {
    /// The web UI's profile comparison: both profiles must be done and of the same host.
    func compareProfiles(before: Int64, after: Int64, limit: Int) async throws -> ProfileComparison {
        let (a, sa) = try await stacks(profileID: before)
        let (b, sb) = try await stacks(profileID: after)
        guard a.hostID == b.hostID, a.server == b.server else {
            throw HTTPError(.badRequest, message: "profiles \(before) and \(after) are of different hosts: compare two profiles of one host")
        }
        return ProfileComparison(hostID: a.hostID, before: a, after: b, samplesBefore: sa.total, samplesAfter: sb.total,
                                 changes: ProfileComparing.changes(before: sa, after: sb, limit: limit))
    }
}
