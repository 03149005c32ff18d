import Foundation
import Testing

/// Runs the built `vigil` binary the way a user does.
enum CLI {
    /// $VIGIL_BIN (set by `make test`), else .build/debug/vigil beside this package.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["VIGIL_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/vigil").path
    }

    /// The man pages made for this binary: $VIGIL_MAN_DIR (set by `make test`), else
    /// where `make man` writes them, `man` in the binary's build directory; nil when
    /// there are none.
    static var manDirectory: String? {
        let build = URL(fileURLWithPath: binary).deletingLastPathComponent().deletingLastPathComponent()
        let dir = ProcessInfo.processInfo.environment["VIGIL_MAN_DIR"] ?? build.appendingPathComponent("man").path
        return FileManager.default.fileExists(atPath: dir + "/vigil.1") ? dir : nil
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// `timeout`: SIGKILL the child after that many seconds (a test of something that
    /// once hung must fail, not hang); its status is then 128 + 9.
    static func run(_ arguments: [String], stdin: String? = nil, executable: String? = nil, timeout: Double? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? binary)
        p.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try p.run()
        if let timeout {
            let pid = p.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if p.isRunning { kill(pid, SIGKILL) } }
        }
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a large output cannot deadlock the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func vigil(_ arguments: String...) throws -> Result { try run(arguments) }
}
