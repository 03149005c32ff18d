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
        let files = try UserHomes.accounts(context).lazy.flatMap { account in
            ShellHistory.files(home: account.home).lazy.map { (uid: account.uid, path: $0) }
        }
        let entries = files.flatMap { file in
            ((try? ShellHistory.read(file.path)) ?? []).lazy.map { (file: file, entry: $0) }
        }
        return RowSequence(entries) { item in
            var row = Row(schema)
            row["uid"] = SQLValue(item.file.uid)
            row["time"] = SQLValue(item.entry.time)
            row["command"] = .text(item.entry.command)
            row["history_file"] = .text(item.file.path)
            return row
        }
    }
}
