import VigilSQL
import VigilSystem

/// `logged_in_users`: the records of /var/run/utmp (sessions, boot and run-level entries).
public struct LoggedInUsersTable: VirtualTable {
    public let schema = TableSchema("logged_in_users", "Records of /var/run/utmp (sessions, boot time, ...), init's own omitted.", [
        Column("type", .text, "utmp record type in lower case (user, login, boot_time, dead, ...)"),
        Column("user", .text, "ut_user: login name, or a label such as reboot"),
        Column("tty", .text, "ut_line: terminal without /dev/ (pts/0, tty1)"),
        Column("host", .text, "ut_host: origin of a remote login; empty for local ones"),
        Column("time", .bigint, "When the record was written, Unix seconds"),
        Column("pid", .integer, "ut_pid: PID of the login or session process"),
        .otherPlatform("sid", .text, "Windows", "the user's security identifier"),
        .otherPlatform("registry_hive", .text, "Windows", "HKEY_USERS registry hive"),
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
