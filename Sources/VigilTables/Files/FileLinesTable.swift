import VigilSQL
import Glibc
import VigilSystem

/// `file_lines`: a text file line by line, as the macadmins osquery extension that
/// Fleet's agent bundles gives it (Fleet's CIS policies read configuration files
/// with it). `path =`, `IN` or `LIKE` (osquery's % and %% wildcards) is required.
/// Lines split at '\n' with a trailing '\r' dropped; empty lines are rows too. A
/// path that is missing, unreadable or not a regular file gives no rows.
public struct FileLinesTable: VirtualTable {
    public let schema = TableSchema("file_lines", "Allows reading an arbitrary file, one row per line (Fleet's macadmins extension table).", [
        Column("path", .text, "Path of the file to read", [.required, .index]),
        Column("line", .text, "Output of the file, line by line"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let targets = try PathConstraints(context: context).targets().makeIterator()
        var path = ""
        var lines = [String]().makeIterator()
        // One file's lines in memory at a time.
        return RowSequence(next: {
            while true {
                if let line = lines.next() {
                    var row = Row(schema)
                    row["path"] = .text(path)
                    row["line"] = .text(line)
                    return row
                }
                guard let target = targets.next() else { return nil }
                path = target.path
                lines = Self.lines(of: target.hostPath).makeIterator()
            }
        })
    }

    /// The file's lines; none when it is not a readable regular file.
    static func lines(of path: String) -> [String] {
        guard let info = try? FileSystem.status(path), info.st_mode & S_IFMT == S_IFREG, let bytes = try? FileSystem.read(path) else { return [] }
        var lines: [String] = []
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var end = newline
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            lines.append(String(decoding: bytes[start..<end], as: UTF8.self))
            start = newline + 1
        }
        return lines
    }
}
