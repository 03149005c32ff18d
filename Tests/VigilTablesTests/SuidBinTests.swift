import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct SuidBinTests {
    /// The table lists exactly what find(1) finds in the same directories; test
    /// files in /tmp (which osquery also searches) cover S, G and SG.
    @Test func matchesFind() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let modes: [(String, mode_t, String)] = [("u", 0o4755, "S"), ("g", 0o2755, "G"), ("ug", 0o6755, "SG"), ("plain", 0o755, "")]
        for (name, mode, _) in modes {
            let path = dir.appendingPathComponent(name).path
            try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(chmod(path, mode) == 0)
        }
        let dirs = ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/tmp"]
            .filter { FileManager.default.fileExists(atPath: $0) }
        let found = Set(try shell(["find"] + dirs + ["-perm", "/6000", "-type", "f"]).split(separator: "\n").map(String.init))

        let rows = try query("SELECT * FROM suid_bin")
        let paths = rows.map { $0["path"]!.string }
        #expect(Set(paths) == found)
        #expect(paths.count == Set(paths).count, "a binary listed twice")
        let byPath = Dictionary(uniqueKeysWithValues: rows.map { ($0["path"]!.string, $0) })
        for (name, _, marker) in modes {
            #expect(byPath[dir.appendingPathComponent(name).path]?["permissions"]?.string == (marker.isEmpty ? nil : marker))
        }
        // Owner names agree with stat(1).
        let owners = try shell(["stat", "-c", "%n %U %G"] + Array(found)).split(separator: "\n")
        for line in owners {
            let f = line.split(separator: " ").map(String.init)
            #expect(byPath[f[0]]?["username"]?.string == f[1])
            #expect(byPath[f[0]]?["groupname"]?.string == f[2])
        }
    }
}
