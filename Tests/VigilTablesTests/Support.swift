import Foundation
import Testing
import VigilSQL
import VigilTables

/// Run SQL against all of Vigil's tables and return every row.
func query(_ sql: String) throws -> [[String: SQLValue]] {
    let db = try Database(tables: TableRegistry.all())
    return try db.query(sql)
}

/// Run a command (ground truth: uname, sha256sum, ps, ...) and return its standard output.
func shell(_ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

extension SQLValue {
    var string: String { text ?? "" }
    var int: Int64 { integer ?? Int64.min }
}

/// A fresh temporary directory for one test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
