import Foundation
import Logging
import Synchronization

/// The worker's own log lines, kept for the fleet server as osquery's status log
/// (`log_type: status`): a fleet sees its agents' warnings and errors without reading
/// each host's files. Bounded: past `capacity` lines waiting, the oldest are dropped
/// and counted (a server away for hours must not grow the worker's memory).
public final class StatusLog: Sendable {
    /// The worker's one status log: the logging system is process-wide, and so is this.
    public static let shared = StatusLog(capacity: 1000)

    struct Entry: Sendable, Equatable {
        /// osquery's severities: 0 info, 1 warning, 2 error.
        var severity: Int
        var message: String
        var file: String
        var line: UInt
        var time: Date
    }

    private let capacity: Int
    private let state = Mutex<(entries: [Entry], dropped: Int)>(([], 0))

    init(capacity: Int) { self.capacity = capacity }

    /// Lines dropped at the bound so far.
    public var dropped: Int { state.withLock { $0.dropped } }

    func append(_ entry: Entry) {
        state.withLock { s in
            s.entries.append(entry)
            if s.entries.count > capacity {
                s.dropped += s.entries.count - capacity
                s.entries.removeFirst(s.entries.count - capacity)
            }
        }
    }

    /// Up to `count` of the oldest lines, taken out.
    func take(_ count: Int) -> [Entry] {
        state.withLock { s in
            let taken = Array(s.entries.prefix(count))
            s.entries.removeFirst(taken.count)
            return taken
        }
    }

    /// Lines that could not be sent, put back in front (the bound still holds).
    func putBack(_ entries: [Entry]) {
        state.withLock { s in
            s.entries.insert(contentsOf: entries, at: 0)
            if s.entries.count > capacity {
                s.dropped += s.entries.count - capacity
                s.entries.removeFirst(s.entries.count - capacity)
            }
        }
    }

    /// A handler that records lines at `level` and above here.
    public func handler(level: Logger.Level) -> some LogHandler { Handler(log: self, logLevel: level) }

    struct Handler: LogHandler {
        let log: StatusLog
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let severity = event.level >= .error ? 2 : (event.level >= .warning ? 1 : 0)
            var text = "\(event.message)"
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            if !all.isEmpty { text += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
            log.append(Entry(severity: severity, message: text, file: (event.file as NSString).lastPathComponent, line: event.line, time: Date()))
        }
    }
}

extension StatusLog.Entry {
    /// The line as osquery writes a status log record (its numbers as strings, as osquery's are).
    func record(hostIdentifier: String, version: String) -> [String: String] {
        let seconds = Int64(time.timeIntervalSince1970)
        return ["hostIdentifier": hostIdentifier, "calendarTime": ResultLogFormat.calendarTime(seconds), "unixTime": String(seconds),
                "severity": String(severity), "filename": file, "line": String(line), "message": message, "version": version]
    }
}
