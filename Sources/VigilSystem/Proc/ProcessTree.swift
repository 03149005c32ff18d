/// Parent links of the running processes, from one pass over /proc.
public enum ProcessTree {
    /// The processes below `roots` (children, grandchildren, …) as /proc shows them
    /// now; `roots` themselves are not included. Processes that exit mid-scan are skipped.
    public static func descendants(of roots: Set<Int32>) -> Set<Int32> {
        guard let pids = try? ProcFS.pids() else { return [] }
        var children: [Int32: [Int32]] = [:]
        for pid in pids {
            guard let stat = try? ProcessStat.read(pid) else { continue }
            children[stat.parent, default: []].append(pid)
        }
        var found = Set<Int32>()
        var queue = Array(roots)
        while let pid = queue.popLast() {
            for child in children[pid] ?? [] where !roots.contains(child) && found.insert(child).inserted {
                queue.append(child)
            }
        }
        return found
    }
}
