import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// The md tables. This test machine's kernel has no md driver (no /proc/mdstat, and
/// mdadm cannot assemble an array), so the parsing is checked on a fixture written
/// in md.c's /proc/mdstat format with a sysfs tree of the same layout as
/// /sys/block/mdN/md; on the host the tables must agree with /proc/mdstat.
@Suite(.ownThread) struct MDTablesTests {
    static let mdstat = """
        Personalities : [raid1] [raid6] [raid5] [raid4] [raid0] 
        md1 : active raid5 loop5[3] loop4[4](F) loop3[1] loop2[0]
              2093056 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [UU_]
              [=>...................]  recovery =  8.5% (89344/1046528) finish=0.8min speed=22336K/sec
              bitmap: 1/1 pages [4KB], 65536KB chunk

        md0 : active raid1 loop1[1](W) loop0[0]
              102336 blocks super 1.2 [2/2] [UU]
              \tresync=DELAYED

        md2 : active (auto-read-only) raid0 loop6[1]
              204800 blocks super 1.2 512k chunks

        unused devices: <none>

        """

    /// Writes the fixture: mdstat, and for each array md/{level,raid_disks,...} and md/dev-*/{slot,state}.
    func fixture() throws -> (URL, MDSource) {
        let dir = try temporaryDirectory()
        try Self.mdstat.write(to: dir.appendingPathComponent("mdstat"), atomically: true, encoding: .utf8)
        let arrays: [(String, [String: String], [(String, String, String)])] = [
            ("md1", ["level": "raid5", "raid_disks": "3", "chunk_size": "524288", "array_state": "clean", "metadata_version": "1.2", "bitmap/location": "+8"],
             [("loop2", "0", "in_sync"), ("loop3", "1", "in_sync"), ("loop4", "none", "faulty"), ("loop5", "2", "spare")]),
            ("md0", ["level": "raid1", "raid_disks": "2", "chunk_size": "0", "array_state": "active", "metadata_version": "1.2", "bitmap/location": "none"],
             [("loop0", "0", "in_sync"), ("loop1", "1", "in_sync,write_mostly")]),
            ("md2", ["level": "raid0", "raid_disks": "2", "chunk_size": "524288", "array_state": "read-auto", "metadata_version": "1.2"],
             [("loop6", "1", "in_sync")]),
        ]
        for (name, files, members) in arrays {
            let md = dir.appendingPathComponent("block/\(name)/md")
            try FileManager.default.createDirectory(at: md.appendingPathComponent("bitmap"), withIntermediateDirectories: true)
            for (file, value) in files { try (value + "\n").write(to: md.appendingPathComponent(file), atomically: true, encoding: .utf8) }
            for (member, slot, state) in members {
                let dev = md.appendingPathComponent("dev-\(member)")
                try FileManager.default.createDirectory(at: dev, withIntermediateDirectories: true)
                try (slot + "\n").write(to: dev.appendingPathComponent("slot"), atomically: true, encoding: .utf8)
                try (state + "\n").write(to: dev.appendingPathComponent("state"), atomically: true, encoding: .utf8)
            }
        }
        return (dir, MDSource(mdstat: dir.appendingPathComponent("mdstat").path, sysBlock: dir.appendingPathComponent("block").path))
    }

    func rows(_ table: some VirtualTable) throws -> [[String: SQLValue]] {
        try table.generate(QueryContext(schema: table.schema)).all()
    }

    @Test func personalities() throws {
        let (dir, source) = try fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try rows(MDPersonalitiesTable(source: source)).map { $0["name"]!.string } == ["raid1", "raid6", "raid5", "raid4", "raid0"])
    }

    @Test func devices() throws {
        let (dir, source) = try fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let devices = try rows(MDDevicesTable(source: source))
        #expect(devices.map { $0["device_name"]!.string } == ["md1", "md0", "md2"])
        let md1 = devices[0], md0 = devices[1], md2 = devices[2]
        #expect(md1["status"]?.string == "active" && md1["raid_level"]?.int == 5 && md1["size"]?.int == 2093056)
        #expect(md1["chunk_size"]?.int == 524288 && md1["raid_disks"]?.int == 3 && md1["nr_raid_disks"]?.int == 4)
        #expect([md1["working_disks"], md1["active_disks"], md1["failed_disks"], md1["spare_disks"]].map { $0?.int } == [3, 2, 1, 1])
        #expect(md1["superblock_state"]?.string == "clean bitmap_present" && md1["superblock_version"]?.string == "1.2")
        #expect(md1["superblock_update_time"] == .null)
        #expect(md1["recovery_progress"]?.string == "8.5% (89344/1046528)")
        #expect(md1["recovery_finish"]?.string == "0.8min" && md1["recovery_speed"]?.string == "22336K/sec")
        #expect(md1["bitmap_on_mem"]?.string == "1/1 pages [4KB]" && md1["bitmap_chunk_size"]?.string == "65536KB chunk")
        #expect(md1["bitmap_external_file"]?.string == "")
        #expect(md1["other"]?.string == "super 1.2 level 5, 512k chunk, algorithm 2")
        #expect(md1["unused_devices"]?.string == "<none>")
        #expect(md1["resync_progress"] == .null)
        #expect(md0["raid_level"]?.int == 1 && md0["superblock_state"]?.string == "unknown" && md0["other"]?.string == "super 1.2")
        #expect(md0["resync_progress"]?.string == "DELAYED" && md0["recovery_progress"] == .null && md0["bitmap_on_mem"] == .null)
        #expect(md2["status"]?.string == "active" && md2["raid_level"]?.int == 0 && md2["superblock_state"]?.string == "clean")
        #expect(md2["other"]?.string == "super 1.2 512k chunks")
    }

    @Test func drives() throws {
        let (dir, source) = try fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let drives = try rows(MDDrivesTable(source: source)).map {
            [$0["md_device_name"]!.string, $0["drive_name"]!.string, $0["slot"]!.text ?? "NULL", $0["state"]!.string]
        }
        #expect(drives == [
            ["md1", "/dev/loop2", "0", "active sync"], ["md1", "/dev/loop3", "1", "active sync"],
            ["md1", "/dev/loop4", "NULL", "faulty"], ["md1", "/dev/loop5", "2", "recovering"],
            ["md0", "/dev/loop0", "0", "active sync"], ["md0", "/dev/loop1", "1", "active sync writemostly"],
            ["md2", "/dev/loop6", "1", "active sync"], ["md2", "unknown", "0", "removed"],
        ])
    }

    /// On the host: the arrays and personalities are those /proc/mdstat lists (none
    /// when the kernel has no md driver, as here).
    @Test func hostMatchesProcMdstat() throws {
        let text = (try? String(contentsOfFile: "/proc/mdstat", encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n")
        let personalities = lines.first { $0.hasPrefix("Personalities") }.map {
            $0.split(separator: " ").filter { $0.hasPrefix("[") }.map { String($0.dropFirst().dropLast()) }
        } ?? []
        let arrays = lines.filter { $0.hasPrefix("md") }.map { String($0.split(separator: " ")[0]) }
        #expect(try query("SELECT name FROM md_personalities").map { $0["name"]!.string } == personalities)
        #expect(try query("SELECT device_name FROM md_devices").map { $0["device_name"]!.string } == arrays)
        if arrays.isEmpty { #expect(try query("SELECT * FROM md_drives").isEmpty) }
    }
}
