import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct SystemInfoTests {
    @Test func matchesHostAndCPU() throws {
        let rows = try query("SELECT * FROM system_info")
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        #expect(row["hostname"]?.string == String(cString: buffer))
        let nproc = Int64(try shell(["nproc"]).trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(row["cpu_logical_cores"]?.int == nproc)
        #expect(row["cpu_type"]?.string == (try shell(["uname", "-m"])).trimmingCharacters(in: .whitespacesAndNewlines))
        let physical = row["cpu_physical_cores"]?.int ?? 0
        #expect(physical >= 1 && physical <= (nproc ?? 0))
        let memTotalKB = try shell(["awk", "/^MemTotal:/ {print $2}", "/proc/meminfo"]).trimmingCharacters(in: .whitespacesAndNewlines)
        // MemTotal excludes kernel-reserved memory, so it is a little below the physical page count.
        let physicalMemory = row["physical_memory"]?.int ?? 0
        #expect(physicalMemory >= Int64(memTotalKB)! * 1024)
        // SMBIOS UUID when the firmware has one, else the machine-id in UUID form.
        let expectedUUID: String
        if let dmi = try? String(contentsOfFile: "/sys/class/dmi/id/product_uuid", encoding: .utf8) {
            expectedUUID = dmi.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        } else {
            let id = Array(try String(contentsOfFile: "/etc/machine-id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
            expectedUUID = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(id[$0]) }.joined(separator: "-").uppercased()
        }
        #expect(row["uuid"]?.string == expectedUUID)
    }

    @Test func cpuBrandIsModelName() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) else { return }  // not x86
        let brand = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
        #expect(try query("SELECT cpu_brand FROM system_info").first?["cpu_brand"]?.string == brand)
    }
}
