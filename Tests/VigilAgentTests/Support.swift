import Foundation
import VigilAgent
import VigilSQL
import VigilTables

/// A fresh directory under the system's temporary directory, for one test.
func temporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-agent-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// A database with every real table, as `vigil query` builds it.
/// The OS tables and the agent's event tables, as the worker has them.
func realDatabase() throws -> Database {
    let events = EventStores()
    return try Database(tables: TableRegistry.all() + events.tables)
}

func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// The lines of a JSON-lines file, each parsed as an object.
func jsonLines(_ path: String) throws -> [[String: Any]] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return try jsonLines(text: text)
}

func jsonLines(text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        guard let dict = object as? [String: Any] else { throw CocoaError(.coderReadCorrupt) }
        return dict
    }
}
