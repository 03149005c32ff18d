import VigilSQL
import VigilSystem

/// `shell_history`: commands from each user's bash, zsh and sh history files,
/// with timestamps where the shell wrote them. `uid =` reads only that user's home.
public struct ShellHistoryTable: VirtualTable {
    public let schema = TableSchema("shell_history", "Commands recorded in users' shell history files.", [
        Column("uid", .bigint, "User ID of the home directory owner", .index),
        Column("time", .integer, "When the command was recorded (epoch seconds), 0 when the file has no timestamps"),
        Column("command", .text, "The command line as recorded"),
        Column("history_file", .text, "Path of the history file"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let entries = try UserHomes.items(context, files: ShellHistory.files(home:), read: ShellHistory.read)
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
