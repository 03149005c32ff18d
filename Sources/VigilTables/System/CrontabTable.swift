import VigilSQL
import VigilSystem

/// `crontab`: schedule lines of /etc/crontab, /etc/cron.d/* and the per-user
/// spool. A file that cannot be read is skipped rather than failing the scan.
/// `pid_with_namespace = P` reads the crontabs process P sees (see `PidNamespace`).
public struct CrontabTable: VirtualTable {
    public let schema = TableSchema("crontab", "Schedule lines of /etc/crontab, /etc/cron.d and per-user crontab spools.", [
        Column("event", .text, "@ keyword (@reboot, @daily, ...) replacing the time fields, else empty"),
        Column("minute", .text, "1st time field as written (minute)"),
        Column("hour", .text, "2nd time field as written (hour)"),
        Column("day_of_month", .text, "3rd time field as written (day of month)"),
        Column("month", .text, "4th time field as written (month)"),
        Column("day_of_week", .text, "5th time field as written (day of week)"),
        Column("command", .text, "Rest of the line; in /etc/crontab and /etc/cron.d it begins with the user"),
        Column("path", .text, "Crontab file the line was read from"),
        Column("pid_with_namespace", .integer, "Read the crontabs under /proc/PID/root, as this pid sees them; 0 means the host", [.additional, .hidden]),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let entries = PidNamespace.roots(context).lazy.flatMap { pid, root in
            Crontab.files(root: root).lazy.flatMap { path in
                ((try? Crontab.read(path, root: root)) ?? []).lazy.map { (pid: pid, entry: $0) }
            }
        }
        return RowSequence(entries) { pid, entry in
            var row = Row(schema)
            row["event"] = .text(entry.event)
            row["minute"] = .text(entry.minute)
            row["hour"] = .text(entry.hour)
            row["day_of_month"] = .text(entry.dayOfMonth)
            row["month"] = .text(entry.month)
            row["day_of_week"] = .text(entry.dayOfWeek)
            row["command"] = .text(entry.command)
            row["path"] = .text(entry.path)
            row["pid_with_namespace"] = .integer(pid)
            return row
        }
    }
}
