import VigilSQL
import VigilSystem

/// `process_namespaces`: the namespaces each process is in, by inode number
/// (the links in /proc/PID/ns). `pid =` reads only those processes.
public struct ProcessNamespacesTable: VirtualTable {
    public let schema = TableSchema("process_namespaces", "Namespace inodes of each process, from the links in /proc/PID/ns.", [
        Column("pid", .integer, "Process ID", .index),
        Column("cgroup_namespace", .text, "cgroup namespace inode"),
        Column("ipc_namespace", .text, "ipc namespace inode"),
        Column("mnt_namespace", .text, "mnt namespace inode"),
        Column("net_namespace", .text, "net namespace inode"),
        Column("pid_namespace", .text, "pid namespace inode"),
        Column("user_namespace", .text, "user namespace inode"),
        Column("uts_namespace", .text, "uts namespace inode"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let pids = try ProcFS.pids(constrainedTo: context.integers("pid"))
        return RowSequence(pids) { pid in
            let inodes = Self.namespaceInodes(pid: Int64(pid))
            guard !inodes.isEmpty else { return nil }  // gone, or not ours to read
            var row = Row(schema)
            row["pid"] = SQLValue(pid)
            for (kind, inode) in inodes { row[kind + "_namespace"] = .text(inode) }
            return row
        }
    }

    /// The namespace inodes of a process by kind ("net" → "4026531840"), from the
    /// links in /proc/PID/ns; empty when it is gone or not ours to read.
    static func namespaceInodes(pid: Int64) -> [String: String] {
        var inodes: [String: String] = [:]
        for kind in ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"] {
            // "net:[4026531840]" → "4026531840".
            guard let link = try? FileSystem.readLink("/proc/\(pid)/ns/\(kind)"),
                  let open = link.firstIndex(of: "["), let close = link.lastIndex(of: "]") else { continue }
            inodes[kind] = String(link[link.index(after: open)..<close])
        }
        return inodes
    }
}
