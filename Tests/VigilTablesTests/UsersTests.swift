import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// Non-comment lines of a colon-separated /etc file, split into fields.
func etcRecords(_ path: String) throws -> [[String]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        .filter { !$0.hasPrefix("#") && !$0.isEmpty }
        .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
}

@Suite(.ownThread) struct UsersTests {
    @Test func rootIsUidZero() throws {
        let rows = try query("SELECT * FROM users WHERE uid = 0")
        #expect(rows.count == 1)
        let root = try #require(rows.first)
        #expect(root["username"]?.string == "root")
        #expect(root["gid"]?.int == 0)
        #expect(root["directory"]?.string == "/root")
        #expect(root["uuid"]?.string == "")
    }

    @Test func fullTableMatchesEtcPasswd() throws {
        let records = try etcRecords("/etc/passwd")
        let rows = try query("SELECT username, uid, gid, description, directory, shell FROM users")
        #expect(rows.count == records.count)
        #expect(rows.map { $0["username"]?.string } == records.map { $0[0] })
        for (row, f) in zip(rows, records) {
            #expect(row["uid"]?.int == Int64(f[2]))
            #expect(row["gid"]?.int == Int64(f[3]))
            #expect(row["description"]?.string == f[4])
            #expect(row["directory"]?.string == f[5])
            #expect(row["shell"]?.string == f[6])
        }
    }

    /// Fleet's "local users and their privileges" query names users.type (a Windows
    /// column): it prepares, the column is NULL here and SELECT * leaves it out.
    @Test func otherPlatformColumnsAreHidden() throws {
        let rows = try query("SELECT uid, username, type, groupname FROM users u JOIN groups g ON g.gid = u.gid WHERE uid = 0")
        #expect(rows.count == 1 && rows[0]["type"] == .null && rows[0]["groupname"]?.string == "root")
        #expect(try query("SELECT is_hidden FROM users WHERE uid = 0").first?["is_hidden"] == .null)
        let star = try #require(try query("SELECT * FROM users WHERE uid = 0").first)
        #expect(star["type"] == nil && star["is_hidden"] == nil && star["shell"] != nil)
    }

    @Test func usernameConstraint() throws {
        let rows = try query("SELECT uid FROM users WHERE username IN ('root', 'no-such-user-vigil')")
        #expect(rows.map { $0["uid"]?.int } == [0])
    }

    /// Our own mount namespace through /proc/PID/root sees the same accounts.
    @Test func pidWithNamespaceReadsThatRoot() throws {
        let rows = try query("SELECT username, pid_with_namespace FROM users WHERE pid_with_namespace = \(getpid())")
        #expect(rows.count == (try etcRecords("/etc/passwd")).count)
        #expect(rows.allSatisfy { $0["pid_with_namespace"]?.int == Int64(getpid()) })
    }
}
