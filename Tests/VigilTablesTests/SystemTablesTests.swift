import Foundation
import Glibc
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// interface_ipv6 against sysctl, shared_memory against a segment of the test's own
/// and ipcs, sudoers against a fixture.
@Suite(.ownThread) struct SystemTablesTests {
    @Test func interfaceIPv6MatchesSysctl() throws {
        let rows = try query("SELECT * FROM interface_ipv6")
        guard FileManager.default.fileExists(atPath: "/proc/sys/net/ipv6/conf/lo") else { return }  // IPv6 disabled
        #expect(rows.contains { $0["interface"]?.string == "lo" })
        for row in rows {
            let name = row["interface"]!.string.replacingOccurrences(of: ".", with: "/")
            for (column, key) in [("hop_limit", "hop_limit"), ("forwarding_enabled", "forwarding"), ("rtadv_accept", "accept_ra")] {
                let expected = try shell(["sysctl", "-n", "net.ipv6.conf.\(name).\(key)"]).trimmingCharacters(in: .newlines)
                #expect(row[column]?.int == Int64(expected), "\(name) \(key)")
            }
        }
    }

    @Test func sharedMemorySegmentOfOurOwn() throws {
        let id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0o640)
        try #require(id >= 0, "shmget: \(errno)")
        defer { _ = shmctl(id, IPC_RMID, nil) }
        let rows = try query("SELECT * FROM shared_memory WHERE shmid = \(id)")
        try #require(rows.count == 1)
        #expect(rows[0]["size"]?.int == 8192)
        #expect(rows[0]["permissions"]?.string == "0640")
        #expect(rows[0]["creator_pid"]?.int == Int64(getpid()))
        #expect(rows[0]["owner_uid"]?.int == Int64(geteuid()))
        #expect(rows[0]["attached"]?.int == 0)
        // ipcs -m lists the same segment with the same size and permissions.
        let line = try #require(try shell(["ipcs", "-m"]).split(separator: "\n").first { $0.split(separator: " ").dropFirst().first == Substring(String(id)) })
        let f = line.split(separator: " ")
        #expect(f[3] == "640" && f[4] == "8192")
    }

    @Test func sudoersWithIncludes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = dir.appendingPathComponent("sudoers.d")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        try """
            # comment
            Defaults\tenv_reset
            Defaults secure_path="/usr/sbin:/usr/bin"
            root ALL=(ALL:ALL) ALL
            %admin ALL=(ALL) NOPASSWD: /usr/bin/apt, \\
                /usr/bin/systemctl
            @includedir \(d.path)
            """.write(to: dir.appendingPathComponent("sudoers"), atomically: true, encoding: .utf8)
        try "alice ALL=(ALL) ALL\n".write(to: d.appendingPathComponent("alice"), atomically: true, encoding: .utf8)
        try "bob ALL=(ALL) ALL\n".write(to: d.appendingPathComponent("skipped.bak"), atomically: true, encoding: .utf8)
        let table = SudoersTable(path: dir.appendingPathComponent("sudoers").path)
        let rows = try table.generate(QueryContext(schema: table.schema)).all()
        #expect(rows.map { $0["header"]!.string } == ["Defaults", "Defaults", "root", "%admin", "@includedir", "alice"])
        #expect(rows[3]["rule_details"]?.string == "ALL=(ALL) NOPASSWD: /usr/bin/apt, /usr/bin/systemctl")
        #expect(rows[5]["source"]?.string == d.appendingPathComponent("alice").path)
        #expect(rows[1]["rule_details"]?.string == "secure_path=\"/usr/sbin:/usr/bin\"")
    }
}
