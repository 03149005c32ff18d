import VigilSQL
import VigilSystem

/// `last`: logins and logouts recorded in /var/log/wtmp (what `last` reads):
/// its user-process and dead-process records, oldest first.
public struct LastTable: VirtualTable {
    public let schema = TableSchema("last", "Logins and logouts recorded in /var/log/wtmp (user and dead process records).", [
        Column("username", .text, "Account that logged in; empty on a logout record"),
        Column("tty", .text, "Terminal line (pts/0, tty1)"),
        Column("pid", .integer, "Process ID of the login session"),
        Column("type", .integer, "Record type from utmp.h: 7 user process (login), 8 dead process (logout)"),
        Column("type_name", .text, "Record type as a word: user-process or dead-process"),
        Column("time", .integer, "UNIX time of the record"),
        Column("host", .text, "Remote host name or address, empty for a local login"),
    ])
    let path: String

    public init() { self.init(path: "/var/log/wtmp") }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let entries: [UtmpEntry]
        do { entries = try Utmp.read(path) } catch { throw TableError("last: \(error)") }
        return RowSequence(entries) { e in
            let name: String
            switch e.type {
            case 7: name = "user-process"
            case 8: name = "dead-process"
            default: return nil
            }
            var row = Row(schema)
            row["username"] = .text(e.user)
            row["tty"] = .text(e.line)
            row["pid"] = SQLValue(e.pid)
            row["type"] = SQLValue(e.type)
            row["type_name"] = .text(name)
            row["time"] = .integer(e.time)
            row["host"] = .text(e.host)
            return row
        }
    }
}
