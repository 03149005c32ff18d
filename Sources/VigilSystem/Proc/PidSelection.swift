extension ProcFS {
    /// The pids a `pid` constraint names (positive, deduplicated), or every pid when there is none.
    public static func pids(constrainedTo wanted: [Int64]?) throws(SystemError) -> [Int32] {
        guard let wanted else { return try pids() }
        var seen = Set<Int32>()
        return wanted.compactMap { Int32(exactly: $0) }.filter { $0 > 0 && seen.insert($0).inserted }
    }
}
