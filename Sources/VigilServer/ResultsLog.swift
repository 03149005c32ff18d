import Foundation
import Synchronization

/// DATA_DIR/results.log: every result line the server stored, in osquery's JSON lines
/// format, for collectors that tail a file (as they tail osqueryd's). One writer at a
/// time; appends only.
final class ResultsLog: Sendable {
    private let handle: Mutex<FileHandle?>
    let path: String

    init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw StoreFileError("cannot create \(path)")
            }
        }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        handle = Mutex(h)
    }

    func append(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        handle.withLock { h in try? h?.write(contentsOf: data) }
    }
}
