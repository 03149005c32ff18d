import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// osquery's hidden `pid_with_namespace` input (and `mount_namespace_id` where
/// osquery has it): the test's own pid sees the same files as the host, and a pid
/// that does not exist gives no rows and no error.
@Suite(.ownThread) struct PidWithNamespaceTests {
    let pid = Int64(getpid())
    /// A pid above the kernel's maximum (4194304), so never a live process.
    let gone: Int64 = 99_999_999

    /// The namespace inode from /proc/PID/ns/mnt ("mnt:[4026531841]").
    var mountNamespace: String {
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(getpid())/ns/mnt")) ?? ""
        return String(link.drop(while: { $0 != "[" }).dropFirst().prefix(while: { $0 != "]" }))
    }

    /// Each table declares the columns osquery's schema gives it, hidden, and the pid as an additional input.
    @Test(arguments: [
        ("file", true), ("hash", true), ("deb_packages", true),
        ("crontab", false), ("suid_bin", false), ("authorized_keys", false),
    ])
    func columnsAreDeclared(_ table: String, _ hasMountNamespace: Bool) throws {
        let rows = try query("SELECT column_name, column_type, additional, hidden FROM vigil_tables WHERE table_name = '\(table)'")
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["column_name"]!.string, $0) })
        let pidColumn = try #require(byName["pid_with_namespace"], "\(table) has no pid_with_namespace")
        #expect(pidColumn["column_type"]?.string == "INTEGER")
        #expect(pidColumn["additional"]?.int == 1)  // osquery's additional: pushed down, names what else to read
        #expect(pidColumn["hidden"]?.int == 1)
        if hasMountNamespace {
            let ns = try #require(byName["mount_namespace_id"], "\(table) has no mount_namespace_id")
            #expect(ns["column_type"]?.string == "TEXT")
            #expect(ns["hidden"]?.int == 1)
        } else {
            #expect(byName["mount_namespace_id"] == nil)
        }
        // Hidden: SELECT * leaves it out.
        let star = try query("SELECT * FROM \(table) WHERE \(table == "file" || table == "hash" ? "path = '/etc/hostname' AND " : "")pid_with_namespace = \(pid) LIMIT 1")
        #expect(star.allSatisfy { $0["pid_with_namespace"] == nil })
    }

    @Test(arguments: [
        "SELECT * FROM file WHERE path = '/etc/hostname'",
        "SELECT * FROM hash WHERE path = '/etc/hostname'",
        "SELECT * FROM deb_packages",
        "SELECT * FROM crontab",
        "SELECT * FROM suid_bin",
        "SELECT * FROM authorized_keys",
        "SELECT * FROM apt_sources",
    ])
    func goneProcessGivesNoRows(_ sql: String) throws {
        let joiner = sql.contains("WHERE") ? " AND " : " WHERE "
        let rows = try query(sql + joiner + "pid_with_namespace = \(gone)")
        #expect(rows.isEmpty)
    }

    /// `file` and `hash` read the path as this process sees it: the same row as without.
    @Test func fileAndHashThroughOwnRoot() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("seen.txt").path
        try Data("through /proc/PID/root\n".utf8).write(to: URL(fileURLWithPath: path))

        let hostRows = try query("SELECT * FROM file WHERE path = '\(path)'")
        let host = try #require(hostRows.first)
        let rows = try query("SELECT *, pid_with_namespace, mount_namespace_id FROM file WHERE path = '\(path)' AND pid_with_namespace = \(pid)")
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        for (column, value) in host { #expect(row[column] == value, "file.\(column) differs") }
        #expect(row["pid_with_namespace"]?.int == pid)
        #expect(!mountNamespace.isEmpty)
        #expect(row["mount_namespace_id"]?.string == mountNamespace)
        // The host's own rows say 0 and no namespace.
        let plainRows = try query("SELECT pid_with_namespace, mount_namespace_id FROM file WHERE path = '\(path)'")
        let plain = try #require(plainRows.first)
        #expect(plain["pid_with_namespace"]?.int == 0)
        #expect(plain["mount_namespace_id"]?.string == "")

        let hashed = try query("SELECT path, sha256, mount_namespace_id FROM hash WHERE path = '\(path)' AND pid_with_namespace = \(pid)")
        let expected = try shell(["sha256sum", path]).split(separator: " ").first.map(String.init)
        #expect(hashed.count == 1)
        #expect(hashed.first?["path"]?.string == path)
        #expect(hashed.first?["sha256"]?.string == expected)
        #expect(hashed.first?["mount_namespace_id"]?.string == mountNamespace)

        // directory = and LIKE name paths as the process sees them, not under /proc/PID/root.
        let listed = try query("SELECT path, directory FROM file WHERE directory = '\(dir.path)' AND pid_with_namespace = \(pid)")
        #expect(listed.map { $0["path"]!.string } == [path])
        #expect(listed.first?["directory"]?.string == dir.path)
        let matched = try query("SELECT path FROM file WHERE path LIKE '\(dir.path)/%.txt' AND pid_with_namespace = \(pid)")
        #expect(matched.map { $0["path"]!.string } == [path])
    }

    @Test func bothHostAndProcessInOneQuery() throws {
        let rows = try query("SELECT pid_with_namespace FROM file WHERE path = '/etc/hostname' AND pid_with_namespace IN (\(pid), \(gone))")
        #expect(rows.map { $0["pid_with_namespace"]!.int } == [pid])
    }

    /// `deb_packages`, `crontab`, `suid_bin`, `authorized_keys`, `apt_sources`: the same rows through the test's own root.
    @Test(arguments: [
        ("deb_packages", "name || ' ' || version || ' ' || admindir"),
        ("crontab", "path || ' ' || minute || ' ' || command"),
        ("suid_bin", "path || ' ' || username || ' ' || groupname || ' ' || permissions"),
        ("authorized_keys", "uid || ' ' || key_file || ' ' || key"),
        ("apt_sources", "source || ' ' || base_uri || ' ' || release"),
    ])
    func sameRowsAsTheHost(_ table: String, _ summary: String) throws {
        // Other suites add and remove test files in /tmp and /etc/cron.d meanwhile.
        let stable = "\(summary) NOT LIKE '%vigil-test%' AND \(summary) NOT LIKE '/tmp/%'"
        let host = try query("SELECT \(summary) AS s FROM \(table) WHERE \(stable)").map { $0["s"]!.string }
        let rows = try query("SELECT \(summary) AS s, pid_with_namespace FROM \(table) WHERE \(stable) AND pid_with_namespace = \(pid)")
        #expect(rows.map { $0["s"]!.string }.sorted() == host.sorted())
        #expect(rows.allSatisfy { $0["pid_with_namespace"]?.int == pid })
        if table == "deb_packages" || table == "apt_sources" {
            #expect(!rows.isEmpty, "no rows read through /proc/\(pid)/root")
        }
        if table == "deb_packages" {
            let ns = try query("SELECT DISTINCT mount_namespace_id FROM deb_packages WHERE pid_with_namespace = \(pid)")
            #expect(ns.map { $0["mount_namespace_id"]!.string } == [mountNamespace])
        }
    }
}
