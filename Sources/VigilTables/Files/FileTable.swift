import VigilSQL
import VigilSystem

/// `file`: stat metadata of the paths a query names (`path =`, `path LIKE` with
/// osquery's `%`/`%%` patterns) or of a directory's entries (`directory =`).
/// Paths that do not exist give no row.
public struct FileTable: VirtualTable {
    public let schema = TableSchema("file", "Metadata (stat) of files and directories, by path, path pattern or directory.", [
        Column("path", .text, "Absolute path of the file; supports LIKE patterns (% within a segment, %% recursive)", [.required, .index]),
        Column("directory", .text, "Directory of the file; directory = X lists the entries of X", .required),
        Column("filename", .text, "Name of the file within its directory"),
        Column("inode", .bigint, "Inode number"),
        Column("uid", .bigint, "Owning user ID"),
        Column("gid", .bigint, "Owning group ID"),
        Column("mode", .text, "Permission bits as four octal digits, e.g. 0644"),
        Column("device", .bigint, "Device number a device special file stands for (st_rdev), else 0"),
        Column("size", .bigint, "Size in bytes"),
        Column("block_size", .integer, "Preferred I/O block size"),
        Column("atime", .bigint, "Last access time (epoch seconds)"),
        Column("mtime", .bigint, "Last content modification time (epoch seconds)"),
        Column("ctime", .bigint, "Last status change time (epoch seconds)"),
        Column("btime", .bigint, "Creation (birth) time (epoch seconds), 0 when the filesystem does not record it"),
        Column("hard_links", .integer, "Number of hard links"),
        Column("symlink", .integer, "1 when the path is a symbolic link, else 0"),
        Column("type", .text, "Kind of file: regular, directory, symlink, block, character, fifo, socket"),
        Column("symlink_target_path", .text, "For a symbolic link, the fully resolved path it points to"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let targets = try PathConstraints(context: context).targets()
        let wantsTarget = context.isUsed("symlink_target_path")
        return RowSequence(targets) { target in
            // A path that does not exist (or vanished mid-scan) is simply not a row.
            guard let info = try? FileInfo.read(target.path) else { return nil }
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
            if wantsTarget {
                row["symlink_target_path"] = .text(info.isSymlink ? (try? FileSystem.canonicalPath(target.path)) ?? "" : "")
            }
            return row
        }
    }
}
