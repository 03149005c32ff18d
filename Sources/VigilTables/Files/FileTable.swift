import VigilSQL
import VigilSystem

/// `file`: stat metadata of the paths a query names (`path =`, `path LIKE` with
/// osquery's `%`/`%%` patterns) or of a directory's entries (`directory =`).
/// Paths that do not exist give no row. `pid_with_namespace = P` looks the
/// paths up as process P sees them (see `PidNamespace`).
public struct FileTable: VirtualTable {
    public let schema = TableSchema("file", "Metadata from stat(2) for the paths, patterns or directory entries a query names.", [
        Column("path", .text, "Path looked up: = names one, LIKE matches (% one segment, %% any depth)", [.required, .index]),
        Column("directory", .text, "Parent directory; directory = X returns every entry of X, directory LIKE every entry of each matching directory (named with a trailing /, as osquery's glob marks it)", .required),
        Column("filename", .text, "Last component of path"),
        Column("inode", .bigint, "Inode number (st_ino)"),
        Column("uid", .bigint, "User ID of the owner (st_uid)"),
        Column("gid", .bigint, "Group ID of the owner (st_gid)"),
        Column("mode", .text, "Permission plus setuid/setgid/sticky bits as 4 octal digits (0644, 4755)"),
        Column("device", .bigint, "For a block or character device, the device it stands for (st_rdev); else 0"),
        Column("size", .bigint, "Length in bytes (st_size)"),
        Column("block_size", .integer, "Preferred I/O size in bytes (st_blksize)"),
        Column("atime", .bigint, "Last read, Unix seconds (st_atime)"),
        Column("mtime", .bigint, "Last write to the contents, Unix seconds (st_mtime)"),
        Column("ctime", .bigint, "Last inode change (owner, mode, links, ...), Unix seconds (st_ctime)"),
        Column("btime", .bigint, "Creation time from statx, Unix seconds; 0 if the filesystem keeps none"),
        Column("hard_links", .integer, "Link count (st_nlink)"),
        Column("symlink", .integer, "1 when path names a symbolic link (lstat), else 0"),
        Column("type", .text, "Kind after following links (regular, directory, fifo, ...); symlink if dangling"),
        Column("symlink_target_path", .text, "realpath() of a symbolic link; empty for other files or if it cannot resolve"),
        Column("pid_with_namespace", .integer, "Look paths up under /proc/PID/root, as this pid sees them; 0 means the host", [.additional, .hidden]),
        Column("mount_namespace_id", .text, "Mount namespace inode of pid_with_namespace; empty for the host", .hidden),
        .otherPlatform("attributes", .text, "Windows", "attrib string"),
        .otherPlatform("volume_serial", .text, "Windows", "volume serial number"),
        .otherPlatform("file_id", .text, "Windows", "file ID"),
        .otherPlatform("file_version", .text, "Windows", "file version"),
        .otherPlatform("product_version", .text, "Windows", "file product version"),
        .otherPlatform("original_filename", .text, "Windows", "original filename of an executable"),
        .otherPlatform("bsd_flags", .text, "macOS", "BSD file flags (chflags)"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let constraints = PathConstraints(context: context)
        // Fails without path/directory even when no pid_with_namespace is usable.
        _ = try constraints.targets()
        let scans = try PidNamespace.roots(context).map { pid, root in
            (pid: pid, root: root, namespace: PidNamespace.mountNamespace(pid), targets: try constraints.targets(root: root))
        }
        let wantsTarget = context.isUsed("symlink_target_path")
        let targets = scans.lazy.flatMap { scan in scan.targets.lazy.map { (scan, $0) } }
        return RowSequence(targets) { scan, target in
            // A path that does not exist (or vanished mid-scan) is simply not a row.
            guard let info = try? FileInfo.read(target.hostPath) else { return nil }
            var row = Row(schema)
            row["path"] = .text(target.path)
            row["directory"] = .text(target.directory)
            row["filename"] = .text(PathConstraints.fileName(of: target.path))
            row["inode"] = SQLValue(info.inode)
            row["uid"] = SQLValue(info.uid)
            row["gid"] = SQLValue(info.gid)
            row["mode"] = .text(info.octalMode)
            row["device"] = SQLValue(info.device)
            row["size"] = SQLValue(info.size)
            row["block_size"] = SQLValue(info.blockSize)
            row["atime"] = SQLValue(info.accessTime)
            row["mtime"] = SQLValue(info.modifyTime)
            row["ctime"] = SQLValue(info.changeTime)
            row["btime"] = SQLValue(info.birthTime)
            row["hard_links"] = SQLValue(info.hardLinks)
            row["symlink"] = SQLValue(info.isSymlink)
            row["type"] = .text(info.kind.rawValue)
            if wantsTarget, info.isSymlink, let real = try? FileSystem.canonicalPath(target.hostPath) {
                row["symlink_target_path"] = .text(PidNamespace.inside(real, root: scan.root))
            } else if wantsTarget {
                row["symlink_target_path"] = ""
            }
            row["pid_with_namespace"] = .integer(scan.pid)
            row["mount_namespace_id"] = .text(scan.namespace)
            return row
        }
    }
}
