import VigilSQL
import VigilSystem

/// `syslog_events` (and its alias `syslog`): syslog lines rsyslog writes to the agent's
/// named pipe (`syslog_pipe_path`) in osquery's CSV template, with osquery's columns.
public struct SyslogEventsTable: VirtualTable {
    public static func makeSchema(named name: String) -> TableSchema {
        TableSchema(name, "Syslog messages rsyslog forwards through the agent's named pipe (syslog_pipe_path, with enable_syslog) since the scheduled query last ran (all buffered events for an ad hoc query).", [
            Column("time", .bigint, "Current unix epoch time", .additional),
            Column("datetime", .text, "Time known to syslog"),
            Column("host", .text, "Hostname configured for syslog"),
            Column("severity", .integer, "Syslog severity"),
            Column("facility", .text, "Syslog facility"),
            Column("tag", .text, "The syslog tag"),
            Column("message", .text, "The syslog message"),
            Column("eid", .text, "Event ID", .hidden),
        ])
    }
    public static let schema = makeSchema(named: "syslog_events")
    public let schema: TableSchema
    let store: EventStore

    /// `name` is syslog_events, or osquery's alias syslog.
    public init(store: EventStore, name: String = "syslog_events") {
        self.store = store
        schema = name == "syslog_events" ? Self.schema : Self.makeSchema(named: name)
    }

    public func generate(_ context: QueryContext) throws -> RowSequence { store.rows(schema) }

    /// One line of osquery's rsyslog template: datetime (RFC 3339), host, severity,
    /// facility, tag, message; rsyslog's csv option quotes each field and doubles
    /// quotes inside. The time is the datetime's, else `now`. A line without the six
    /// fields is nil.
    static func row(line: String, now: Int64) -> [SQLValue]? {
        let fields = CSVLine.fields(line)
        guard fields.count >= 6, let severity = Int64(fields[2]) else { return nil }
        var row = Row(schema)
        row["time"] = SQLValue(Clock.unixSeconds(rfc3339: fields[0]) ?? now)
        row["datetime"] = .text(fields[0])
        row["host"] = .text(fields[1])
        row["severity"] = SQLValue(severity)
        row["facility"] = .text(fields[3])
        row["tag"] = .text(fields[4])
        // A message may hold commas of its own when the template left it unquoted.
        row["message"] = .text(fields[5...].joined(separator: ","))
        return row.values
    }
}

/// The fields of one CSV line (RFC 4180 quoting: "a ""b""" is a "b"), as rsyslog's
/// `csv` property option writes them.
enum CSVLine {
    static func fields(_ line: String) -> [String] {
        var out: [String] = []
        var field = ""
        var quoted = false
        var chars = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                out.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        out.append(field)
        return out
    }
}
