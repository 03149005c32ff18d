import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct BlockDevicesTests {
    @Test func disksMatchSysBlock() throws {
        let fm = FileManager.default
        let disks = try fm.contentsOfDirectory(atPath: "/sys/block")
        var partitions: [String: String] = [:]
        for d in disks {
            for p in (try? fm.contentsOfDirectory(atPath: "/sys/block/\(d)")) ?? [] where fm.fileExists(atPath: "/sys/block/\(d)/\(p)/partition") {
                partitions["/dev/" + p] = "/dev/" + d
            }
        }
        let rows = try query("SELECT name, parent, size FROM block_devices")
        #expect(Set(rows.filter { $0["parent"]?.string == "" }.map { $0["name"]!.string }) == Set(disks.map { "/dev/" + $0 }))
        var gotPartitions: [String: String] = [:]
        for r in rows where r["parent"]?.string != "" { gotPartitions[r["name"]!.string] = r["parent"]!.string }
        #expect(gotPartitions == partitions)
        for r in rows where r["parent"]?.string == "" {
            let name = String(r["name"]!.string.dropFirst(5))
            let size = try String(contentsOfFile: "/sys/block/\(name)/size", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(r["size"]?.int == Int64(size))
        }
    }

    @Test func nameConstraint() throws {
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: "/sys/block").sorted().first)
        let rows = try query("SELECT name FROM block_devices WHERE name = '/dev/\(first)'")
        #expect(rows.map { $0["name"]?.string } == ["/dev/\(first)"])
    }
}
