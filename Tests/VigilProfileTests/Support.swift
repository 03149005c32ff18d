import Foundation
import Testing

/// Run a program and return its standard output (ground truth: nm, sha256sum, c++filt...).
@discardableResult
func run(_ arguments: [String], input: String? = nil) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    let inPipe = Pipe()
    p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
    try p.run()
    if let input {
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw CommandFailed(arguments: arguments, status: p.terminationStatus) }
    return String(decoding: data, as: UTF8.self)
}

/// `sh -c SCRIPT`, for ground truth built from a pipeline.
func sh(_ script: String) throws -> String { try run(["sh", "-c", script]) }

struct CommandFailed: Error, CustomStringConvertible {
    let arguments: [String]
    let status: Int32
    var description: String { "\(arguments.joined(separator: " ")) exited with \(status)" }
}

/// A fresh temporary directory for one test.
func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-profile-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func isExecutable(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }

/// A program on PATH, or nil.
func which(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first(where: isExecutable)
}

var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

/// `nm` of a file: function symbols (t/T) with address and size.
func nmFunctions(_ path: String) throws -> [(name: String, address: UInt64, size: UInt64)] {
    try run(["nm", "-S", "--defined-only", path]).split(separator: "\n").compactMap { line in
        let f = line.split(separator: " ")
        guard f.count == 4, f[2] == "t" || f[2] == "T",
              let address = UInt64(f[0], radix: 16), let size = UInt64(f[1], radix: 16) else { return nil }
        return (String(f[3]), address, size)
    }
}

/// The GNU build ID of an ELF file as `readelf -n` prints it.
func readelfBuildID(_ path: String) throws -> String? {
    try run(["readelf", "-n", path]).split(separator: "\n")
        .first { $0.contains("Build ID:") }
        .map { String($0.split(separator: " ").last!) }
}
