import Synchronization
import VigilOutputs
import VigilSystem

/// DATA_DIR/results.log: every result line the server stored, in osquery's JSON lines
/// format, for collectors that tail a file (as they tail osqueryd's). Rotated by size as
/// osqueryd rotates its own (results.log → results.log.1 → …), so a server that runs for
/// months does not fill its disk; a file moved away by logrotate is noticed and reopened.
/// Not synced per write: the database is where an acknowledged result is kept.
final class ResultsLog: Sendable {
    private let file: Mutex<ResultsLogFile>
    let path: String

    init(path: String, rotateBytes: Int, keep: Int) throws(SystemError) {
        self.path = path
        let rotation = Output.Rotation(path: path, maxBytes: rotateBytes, keep: keep)
        file = Mutex(try ResultsLogFile(path: path, rotation: rotation, syncWrites: false))
    }

    /// Appends the lines as one write; an error (a full disk) is returned for the log to
    /// report, and the lines stay in the database either way.
    func append(_ lines: [String]) throws(SystemError) {
        guard !lines.isEmpty else { return }
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        try file.withLock { (f: inout sending ResultsLogFile) throws(SystemError) in
            try f.reopenIfReplaced()
            try f.rotateIfNeeded(adding: bytes.count)
            try f.append(bytes)
        }
    }
}
