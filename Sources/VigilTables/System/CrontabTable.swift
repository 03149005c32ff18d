import VigilSQL
import VigilSystem

/// `crontab`: schedule lines of /etc/crontab, /etc/cron.d/* and the per-user
/// spool. A file that cannot be read is skipped rather than failing the scan.
public struct CrontabTable: VirtualTable {
    public let schema = TableSchema("crontab", "Scheduled jobs from the system crontab, /etc/cron.d and users' crontabs.", [
        Column("event", .text, "Special schedule such as @reboot or @daily, if the line uses one"),
        Column("minute", .text, "Minute field"),
        Column("hour", .text, "Hour field"),
        Column("day_of_month", .text, "Day-of-month field"),
        Column("month", .text, "Month field"),
        Column("day_of_week", .text, "Day-of-week field"),
        Column("command", .text, "The rest of the line (in system crontabs it starts with the user)"),
        Column("path", .text, "Crontab file the line comes from"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let entries = Crontab.files().lazy.flatMap { path in (try? Crontab.read(path)) ?? [] }
        return RowSequence(entries) { entry in
            var row = Row(schema)
            row["event"] = .text(entry.event)
            row["minute"] = .text(entry.minute)
            row["hour"] = .text(entry.hour)
            row["day_of_month"] = .text(entry.dayOfMonth)
            row["month"] = .text(entry.month)
            row["day_of_week"] = .text(entry.dayOfWeek)
            row["command"] = .text(entry.command)
            row["path"] = .text(entry.path)
            return row
        }
    }
}
