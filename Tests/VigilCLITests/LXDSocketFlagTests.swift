import Foundation
import Testing
import VigilTestSupport

/// `vigil query --lxd_socket PATH` (osquery's flag): the lxd tables read that socket.
@Suite(.ownThread) struct LXDSocketFlagTests {
    @Test func theFlagNamesTheSocketTheTablesRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-lxd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A plain file, not a daemon: the query fails with its path in the error.
        let path = dir.appendingPathComponent("lxd.socket").path
        try Data().write(to: URL(fileURLWithPath: path))
        for flag in ["--lxd_socket", "--lxd-socket"] {
            let failed = try CLI.vigil("query", flag, path, "SELECT * FROM lxd_images")
            #expect(failed.status != 0 && failed.stderr.contains(path), "\(flag): \(failed.stderr)")
        }
        // No socket there: no LXD, no rows, no error.
        let absent = try CLI.vigil("query", "--lxd_socket", dir.appendingPathComponent("none").path, "-f", "json", "SELECT * FROM lxd_instances")
        #expect(absent.status == 0 && absent.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(absent.stdout)\(absent.stderr)")
        // The agent has its own option for it.
        let agent = try CLI.vigil("query", "--agent", "--lxd_socket", path, "SELECT 1")
        #expect(agent.status != 0 && agent.stderr.contains("lxd_socket"))
    }
}
