import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct GroupsTests {
    @Test func matchesEtcGroup() throws {
        let records = try etcRecords("/etc/group")
        let rows = try query("SELECT groupname, gid, gid_signed FROM groups")
        #expect(rows.map { $0["groupname"]?.string } == records.map { $0[0] })
        #expect(rows.map { $0["gid"]?.int } == records.map { Int64($0[2]) })
    }

    @Test func gidConstraint() throws {
        let rows = try query("SELECT groupname FROM groups WHERE gid = 0")
        #expect(rows.map { $0["groupname"]?.string } == ["root"])
    }

    /// nogroup is 65534 on Debian: check the signed rendering on whatever large gid exists.
    @Test func signedGidIsTwosComplement() throws {
        let rows = try query("SELECT gid, gid_signed FROM groups")
        for row in rows {
            #expect(row["gid_signed"]?.int == Int64(Int32(bitPattern: UInt32(row["gid"]!.int))))
        }
    }
}
