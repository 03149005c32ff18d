import Logging
import VigilSystem

/// Feeds syslog_events from the named pipe rsyslog writes to in osquery's CSV template
/// (`syslog_pipe_path`, osquery's flag and default).
enum SyslogPipeSource {
    static let defaultPath = "/var/osquery/syslog_pipe"

    static func service(path: String, store: EventStore, logger: Logger) -> ReaderThreadService {
        ReaderThreadService(name: "vigil-syslog", logger: logger) { stop in
            let pipe: NamedPipeReader
            do { pipe = try NamedPipeReader(path: path) } catch {
                logger.warning("syslog_events is empty: the syslog pipe cannot be opened (\(error))")
                return
            }
            store.noteTracer(active: true, lostInKernel: 0)
            defer { store.noteTracer(active: false, lostInKernel: 0) }
            logger.info("syslog_events reads \(path); point rsyslog's ompipe at it with osquery's OsqueryCsvFormat template")
            var unreadable = 0
            var lastExpiry: Int64 = 0
            while !stop.isSet {
                let lines = try pipe.lines(timeoutMilliseconds: 500)
                let now = Clock.realtimeNanoseconds() / 1_000_000_000
                for line in lines where !line.isEmpty {
                    guard let row = SyslogEventsTable.row(line: line, now: now) else {
                        // Once, with the line: a wrong template sends nothing but these.
                        if unreadable == 0 { logger.warning("syslog pipe: a line not in osquery's CSV template was skipped: \(line.prefix(200))") }
                        unreadable += 1
                        continue
                    }
                    store.add(time: now, values: row)
                }
                if now - lastExpiry >= 10 {
                    lastExpiry = now
                    store.expire(now: now)
                }
            }
        }
    }
}
