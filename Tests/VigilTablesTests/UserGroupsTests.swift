import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct UserGroupsTests {
    /// Every (uid, gid) pair agrees with `id -G USER` (primary plus supplementary groups).
    @Test func matchesIdForEveryUser() throws {
        let users = try etcRecords("/etc/passwd")
        var expected = Set<[Int64]>()
        for u in users {
            let uid = Int64(u[2])!
            for gid in try shell(["id", "-G", u[0]]).split(whereSeparator: \.isWhitespace) {
                expected.insert([uid, Int64(gid)!])
            }
        }
        let rows = try query("SELECT uid, gid FROM user_groups")
        let got = rows.map { [$0["uid"]!.int, $0["gid"]!.int] }
        #expect(got.count == Set(got).count, "duplicate memberships")
        #expect(Set(got) == expected)
    }

    @Test func rootIsInGroupZero() throws {
        let rows = try query("SELECT gid FROM user_groups WHERE uid = 0")
        #expect(rows.contains { $0["gid"]?.int == 0 })
    }
}
