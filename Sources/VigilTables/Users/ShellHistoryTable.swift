import VigilSQL
import VigilSystem

/// `shell_history`: commands from each user's bash, zsh and sh history files,
/// with timestamps where the shell wrote them. `uid =` reads only that user's home.
public struct ShellHistoryTable: VirtualTable {
    public let schema = TableSchema("shell_history", "Commands from each user's bash, zsh and sh history files.", [
        Column("uid", .bigint, "Account whose home holds the file; uid = X reads only that home", .additional),
        Column("time", .integer, "Unix seconds from a bash #stamp or zsh extended entry; 0 if none"),
        Column("command", .text, "Command text (zsh's ': time:duration;' prefix removed)"),
        Column("history_file", .text, "Full path of the history file (.bash_history, .zsh_history, ...)"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let entries = try UserHomes.items(context, names: ShellHistory.fileNames, limit: ShellHistory.sizeLimit, parse: ShellHistory.parse)
        return RowSequence(entries) { found in
            var row = Row(schema)
            row["uid"] = SQLValue(found.uid)
            row["time"] = SQLValue(found.item.time)
            row["command"] = .text(found.item.command)
            row["history_file"] = .text(found.file)
            return row
        }
    }
}
