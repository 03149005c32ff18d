import VigilSQL
import VigilSystem

/// `logged_in_users`: the records of /var/run/utmp (sessions, boot and run-level entries).
public struct LoggedInUsersTable: VirtualTable {
    public let schema = TableSchema("logged_in_users", "Login sessions and other records from utmp.", [
        Column("type", .text, "Record type (user, login, boot_time, dead, ...)"),
        Column("user", .text, "User name"),
        Column("tty", .text, "Terminal line"),
        Column("host", .text, "Remote host name"),
        Column("time", .bigint, "Record time in seconds since the epoch"),
        Column("pid", .integer, "Process ID of the session leader"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let entries: [UtmpEntry]
        do { entries = try Utmp.read() } catch { throw TableError("logged_in_users: \(error)") }
        // Records written by init itself (pid 1: run level, its own init entries) are
        // not sessions; osquery leaves them out too.
        return RowSequence(entries.filter { $0.pid != 1 }.map { e in
            var row = Row(schema)
            row["type"] = .text(e.typeName)
            row["user"] = .text(e.user)
            row["tty"] = .text(e.line)
            row["host"] = .text(e.host)
            row["time"] = .integer(e.time)
            row["pid"] = SQLValue(e.pid)
            return row
        })
    }
}
