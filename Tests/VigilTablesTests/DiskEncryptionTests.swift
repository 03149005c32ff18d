import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct DiskEncryptionTests {
    /// Every disk and partition lsblk lists is a row; encrypted exactly when lsblk's
    /// TYPE is crypt.
    @Test func devicesMatchLsblk() throws {
        let rows = try query("SELECT * FROM disk_encryption")
        let lines = try shell(["lsblk", "-l", "-n", "-o", "NAME,TYPE"]).split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            // Device-mapper devices appear in /sys/block as dm-N; lsblk names them by their mapping.
            guard parts.count == 2, !String(parts[1]).hasPrefix("crypt"), parts[1] != "lvm" else { continue }
            let row = try #require(rows.first { $0["name"]?.string == "/dev/\(parts[0])" }, "\(parts[0])")
            #expect(row["encrypted"]?.int == 0)
            #expect(row["encryption_status"]?.string == "not encrypted")
        }
        let one = try query("SELECT * FROM disk_encryption WHERE name = '\(rows[0]["name"]!.string)'")
        #expect(one.count == 1)
    }
}
