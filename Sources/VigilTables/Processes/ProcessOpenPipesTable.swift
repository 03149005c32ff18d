import Glibc
import VigilSQL
import VigilSystem

/// `process_open_pipes`: every descriptor on a pipe (anonymous `pipe:[N]`, or a
/// named FIFO), paired with each descriptor another process holds on the other
/// end of the same pipe. Modes come from /proc/PID/fdinfo's open flags.
public struct ProcessOpenPipesTable: VirtualTable {
    public let schema = TableSchema("process_open_pipes", "Pipes and partner processes for each process.", [
        Column("pid", .bigint, "Process ID"),
        Column("fd", .bigint, "File descriptor"),
        Column("mode", .text, "Pipe open mode (r/w)"),
        Column("inode", .bigint, "Pipe inode number"),
        Column("type", .text, "Pipe Type: named vs unnamed/anonymous"),
        Column("partner_pid", .bigint, "Process ID of partner process sharing a particular pipe"),
        Column("partner_fd", .bigint, "File descriptor of shared pipe at partner's end"),
        Column("partner_mode", .text, "Mode of shared pipe at partner's end"),
    ])

    struct End { let pid: Int32; let fd: Int64; let inode: UInt64; let named: Bool; let mode: String }

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // Every process must be read: a partner can be any of them.
        var ends: [End] = []
        for pid in try ProcFS.pids() {
            for d in (try? ProcFS.descriptors(pid)) ?? [] {
                let inode: UInt64, named: Bool
                if d.target.hasPrefix("pipe:["), d.target.hasSuffix("]"), let n = UInt64(d.target.dropFirst(6).dropLast()) {
                    (inode, named) = (n, false)
                } else if d.target.hasPrefix("/"), let st = try? FileSystem.status("/proc/\(pid)/fd/\(d.fd)"), st.st_mode & S_IFMT == S_IFIFO {
                    (inode, named) = (UInt64(st.st_ino), true)
                } else {
                    continue
                }
                ends.append(End(pid: pid, fd: d.fd, inode: inode, named: named, mode: Self.mode(pid, d.fd)))
            }
        }
        let byInode = Dictionary(grouping: ends, by: \.inode)
        let pairs = ends.lazy.flatMap { end in
            (byInode[end.inode] ?? []).lazy.filter { $0.pid != end.pid && $0.mode != end.mode }.map { (end, $0) }
        }
        return RowSequence(pairs) { end, partner in
            var row = Row(schema)
            row["pid"] = SQLValue(end.pid)
            row["fd"] = .integer(end.fd)
            row["mode"] = .text(end.mode)
            row["inode"] = SQLValue(end.inode)
            row["type"] = .text(end.named ? "named" : "unnamed")
            row["partner_pid"] = SQLValue(partner.pid)
            row["partner_fd"] = .integer(partner.fd)
            row["partner_mode"] = .text(partner.mode)
            return row
        }
    }

    /// "r", "w" or "rw" from the access mode in /proc/PID/fdinfo/FD's octal `flags:`.
    static func mode(_ pid: Int32, _ fd: Int64) -> String {
        guard let text = FileSystem.readTextIfPresent("/proc/\(pid)/fdinfo/\(fd)"),
              let line = FileSystem.lines(text).first(where: { $0.hasPrefix("flags:") }),
              let flags = Int32(line.dropFirst(6).trimmingCharacters(), radix: 8) else { return "" }
        switch flags & O_ACCMODE {
        case O_RDONLY: return "r"
        case O_WRONLY: return "w"
        default: return "rw"
        }
    }
}
