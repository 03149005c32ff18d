import VigilSQL
import VigilSystem

/// `hash`: MD5, SHA-1 and SHA-256 of files named by `path` (or a `path LIKE`
/// pattern) or of the files in a `directory`. Only the digests the query selects
/// are computed, in one read of the file. Directories are skipped; a file that
/// cannot be read (or is not a regular file on a disk, whose read could block or never
/// end) gives a row with empty digests. `pid_with_namespace = P` hashes the
/// files process P sees (see `PidNamespace`).
public struct HashTable: VirtualTable {
    public let schema = TableSchema("hash", "MD5, SHA-1 and SHA-256 of files named by path, pattern or directory.", [
        Column("path", .text, "File to hash: = names one, LIKE matches (% one segment, %% any depth)", [.required, .index]),
        Column("directory", .text, "Parent directory; directory = X covers each non-directory entry of X", .required),
        Column("md5", .text, "MD5 of the contents, lower-case hex; empty if unreadable or not regular"),
        Column("sha1", .text, "SHA-1 of the contents, lower-case hex; empty if unreadable or not regular"),
        Column("sha256", .text, "SHA-256 of the contents, lower-case hex; empty if unreadable or not regular"),
        Column("pid_with_namespace", .integer, "Read files under /proc/PID/root, as this pid sees them; 0 means the host", [.additional, .hidden]),
        Column("mount_namespace_id", .text, "Mount namespace inode of pid_with_namespace; empty for the host", .hidden),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let constraints = PathConstraints(context: context)
        // Fails without path/directory even when no pid_with_namespace is usable.
        _ = try constraints.targets()
        let scans = try PidNamespace.roots(context).map { pid, root in
            (pid: pid, namespace: PidNamespace.mountNamespace(pid), targets: try constraints.targets(root: root))
        }
        let algorithms = DigestAlgorithm.allCases.filter { context.isUsed($0.rawValue) }
        let targets = scans.lazy.flatMap { scan in scan.targets.lazy.map { (scan, $0) } }
        return RowSequence(targets) { scan, target in
            guard let st = try? FileSystem.status(target.hostPath) else { return nil }
            let kind = FileKind(mode: st.st_mode)
            if kind == .directory { return nil }
            var row = Row(schema)
            row["path"] = .text(target.path)
            row["directory"] = .text(target.directory)
            var digests: [DigestAlgorithm: String] = [:]
            if kind == .regular && !algorithms.isEmpty {
                digests = (try? Digest.hashFile(target.hostPath, algorithms: algorithms)) ?? [:]
            }
            for algorithm in algorithms {
                row[algorithm.rawValue] = .text(digests[algorithm] ?? "")
            }
            row["pid_with_namespace"] = .integer(scan.pid)
            row["mount_namespace_id"] = .text(scan.namespace)
            return row
        }
    }
}
