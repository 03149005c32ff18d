/// A condition made ready for matching: values in sets, CIDR blocks parsed, so that
/// each event costs one field lookup and a hash or a few compares per condition.
///
/// Values are compared by their run-time type, which for declared fields is the type
/// the parser checked; for `args.NAME` a value written `3` matches the integer 3 and
/// the string "3". An absent field never matches, whatever the operator (`ne` too).
/// On a list field (argv), equals, in and prefix hold when any element does, and ne
/// when none equals.
struct RuleMatcher {
    let field: String
    let op: MatchOperator
    let integers: Set<Int64>
    let strings: Set<String>
    let booleans: Set<Bool>
    let prefixes: [String]
    /// For cidr, and for equals/in/ne on address fields (where "::1" and "0::1" are the same).
    let networks: [IPNetwork]
    let bound: Int64

    init(_ condition: Condition, addressField: Bool) {
        field = condition.field
        op = condition.op
        var integers: Set<Int64> = [], strings: Set<String> = [], booleans: Set<Bool> = []
        var prefixes: [String] = [], networks: [IPNetwork] = [], bound: Int64 = 0
        for value in condition.values {
            switch (op, value) {
            case (.gt, .integer(let n)), (.ge, .integer(let n)), (.lt, .integer(let n)), (.le, .integer(let n)):
                bound = n
            case (.prefix, .string(let s)):
                prefixes.append(s)
            case (.cidr, .string(let s)):
                if case .success(let net) = IPNetwork.parse(s) { networks.append(net) }
            case (_, .string(let s)) where addressField:
                if let a = IPAddress(s) { networks.append(IPNetwork(address: a, length: a.bits)) }
            case (_, .integer(let n)):
                integers.insert(n)
            case (_, .string(let s)):
                strings.insert(s)
                // args.NAME written as text: also as a number, for arguments that are integers.
                if let n = Int64(s) { integers.insert(n) }
            case (_, .boolean(let b)):
                booleans.insert(b)
            }
        }
        (self.integers, self.strings, self.booleans) = (integers, strings, booleans)
        (self.prefixes, self.networks, self.bound) = (prefixes, networks, bound)
    }

    @inline(__always)
    func matches(_ event: some FieldSource) -> Bool {
        guard let value = event.field(field) else { return false }
        return matches(value)
    }

    func matches(_ value: FieldValue) -> Bool {
        switch op {
        case .equals, .in: return equals(value)
        case .ne: return !equals(value)
        case .prefix: return any(value) { s in prefixes.contains { s.utf8.starts(with: $0.utf8) } }
        case .cidr: return any(value) { s in IPAddress(s).map(inNetworks) ?? false }
        case .gt, .ge, .lt, .le:
            guard case .integer(let n) = value else { return false }
            switch op {
            case .gt: return n > bound
            case .ge: return n >= bound
            case .lt: return n < bound
            default: return n <= bound
            }
        }
    }

    private func equals(_ value: FieldValue) -> Bool {
        switch value {
        case .integer(let n): return integers.contains(n)
        case .boolean(let b): return booleans.contains(b)
        case .string, .strings:
            if !networks.isEmpty { return any(value) { s in IPAddress(s).map(inNetworks) ?? false } }
            return any(value) { strings.contains($0) }
        }
    }

    private func inNetworks(_ a: IPAddress) -> Bool {
        networks.contains { $0.contains(a) }
    }

    /// A string test on a string, or on any element of a list of strings.
    private func any(_ value: FieldValue, _ test: (String) -> Bool) -> Bool {
        switch value {
        case .string(let s): return test(s)
        case .strings(let list): return list.contains(where: test)
        case .integer, .boolean: return false
        }
    }
}
