import VigilSQL

/// osquery's hidden `pid_with_namespace` input: read a table's files as the
/// process with that pid sees them, through /proc/PID/root. Unconstrained, the
/// table reads the host's own files and reports pid_with_namespace = 0.
enum PidNamespace {
    /// (pid, path prefix) pairs to read; ("0", "") when the column is not constrained.
    static func roots(_ context: QueryContext) -> [(pid: Int64, root: String)] {
        guard let pids = context.integers("pid_with_namespace") else { return [(0, "")] }
        return pids.filter { $0 > 0 }.map { ($0, "/proc/\($0)/root") }
    }
}
