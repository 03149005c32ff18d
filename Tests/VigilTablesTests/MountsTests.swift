import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// Serialized: the mount test would change /proc/mounts under the count comparison.
@Suite(.ownThread, .serialized) struct MountsTests {
    @Test func matchesProcMounts() throws {
        let lines = try String(contentsOfFile: "/proc/mounts", encoding: .utf8).split(separator: "\n")
        let rows = try query("SELECT device, path, type, flags FROM mounts")
        #expect(rows.count == lines.count)
        #expect(rows.contains { $0["path"]?.string == "/" })
        #expect(rows.map { $0["type"]?.string } == lines.map { String($0.split(separator: " ")[2]) })
    }

    /// The root filesystem's counts agree with `df` (statfs from another program).
    @Test func rootBlocksMatchDf() throws {
        let row = try #require(try query("SELECT blocks_size, blocks, inodes FROM mounts WHERE path = '/' LIMIT 1").first)
        let df = try shell(["stat", "-f", "-c", "%S %b %c", "/"]).split(separator: " ").map { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        #expect(row["blocks_size"]?.int == df[0])
        #expect(row["blocks"]?.int == df[1])
        #expect(row["inodes"]?.int == df[2])
    }

    /// Mount points with spaces come back unescaped (the kernel writes \040).
    @Test func escapedMountPoint() throws {
        let dir = try temporaryDirectory().appendingPathComponent("with space")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        _ = try shell(["mount", "-t", "tmpfs", "vigiltest", dir.path])
        defer { _ = try? shell(["umount", dir.path]) }
        let mounted = try String(contentsOfFile: "/proc/mounts", encoding: .utf8).contains("vigiltest")
        // Without CAP_SYS_ADMIN (an unprivileged container) there is no mount of our own to check.
        guard mounted else { return }
        let rows = try query("SELECT path, type, blocks FROM mounts WHERE device = 'vigiltest'")
        #expect(rows.map { $0["path"]?.string } == [dir.path])
        #expect(rows.first?["type"]?.string == "tmpfs")
    }
}
