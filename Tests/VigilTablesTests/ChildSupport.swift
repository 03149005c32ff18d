import Foundation
import Testing

/// A `sleep 30` child for tests that need a process with a stable, known state.
/// Returned once the child sleeps after exec: before that /proc shows the parent's image,
/// an empty environment mid-exec, or a map the dynamic loader is still filling.
func spawnSleeper(environment: [String: String]? = nil) throws -> Process {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/sleep")
    child.arguments = ["30"]
    if let environment { child.environment = environment }
    try child.run()
    let deadline = Date().addingTimeInterval(2)
    let proc = "/proc/\(child.processIdentifier)"
    var lastMaps = ""
    while Date() < deadline {
        usleep(5000)
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(proc)/exe")) ?? ""
        let stat = (try? String(contentsOfFile: "\(proc)/stat", encoding: .utf8)) ?? ""
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        let maps = (try? String(contentsOfFile: "\(proc)/maps", encoding: .utf8)) ?? ""
        if exe.hasSuffix("/sleep") && state == "S" && maps == lastMaps { return child }
        lastMaps = maps
    }
    stopSleeper(child)
    throw TestChildError()
}

func stopSleeper(_ child: Process) {
    kill(child.processIdentifier, SIGKILL)
    child.waitUntilExit()
}

struct TestChildError: Error, CustomStringConvertible {
    var description: String { "sleep child did not exec within 2 s" }
}
