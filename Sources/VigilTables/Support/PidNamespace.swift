import VigilSQL
import VigilSystem

/// osquery's hidden `pid_with_namespace` input: read a table's files as the
/// process with that pid sees them, through /proc/PID/root. Unconstrained, the
/// table reads the host's own files and reports pid_with_namespace = 0.
///
/// osquery enters the mount namespace (setns) in a helper process; Vigil stays
/// in its own and prefixes /proc/PID/root instead, which needs no fork and no
/// CAP_SYS_ADMIN. The cost: an absolute symbolic link inside that root is
/// resolved against the host's root.
enum PidNamespace {
    /// (pid, path prefix) pairs to read; ("0", "") when the column is not constrained.
    /// A pid that is gone gives a prefix that reads nothing, so no rows and no error.
    static func roots(_ context: QueryContext) -> [(pid: Int64, root: String)] {
        guard let pids = context.integers("pid_with_namespace") else { return [(0, "")] }
        var seen = Set<Int64>()
        return pids.filter { $0 > 0 && seen.insert($0).inserted }.map { ($0, "/proc/\($0)/root") }
    }

    /// `path` as the process sees it: the host path with the root prefix removed.
    static func inside(_ hostPath: String, root: String) -> String {
        guard !root.isEmpty, hostPath.hasPrefix(root) else { return hostPath }
        let rest = String(hostPath.dropFirst(root.count))
        return rest.isEmpty ? "/" : rest
    }

    /// The inode number of pid's mount namespace ("mnt:[4026531841]" → "4026531841");
    /// empty for the host (pid 0) or when the link cannot be read.
    static func mountNamespace(_ pid: Int64) -> String {
        guard pid > 0, let link = try? FileSystem.readLink("/proc/\(pid)/ns/mnt"),
              let open = link.firstIndex(of: "["), let close = link.lastIndex(of: "]") else { return "" }
        return String(link[link.index(after: open)..<close])
    }
}
