import Foundation
import Testing
import VigilSQL
import VigilTestSupport
@testable import VigilTables

/// msr. The test machines' kernel has no msr driver (CONFIG_X86_MSR is off and there
/// are no modules), so there is no /dev/cpu/N/msr and rdmsr cannot run: the reads are
/// checked on files laid out as the driver's devices are (8 bytes at the register's
/// offset), and on the host against rdmsr where both exist.
@Suite(.ownThread) struct MSRTests {
    /// A register file: each value little-endian at its address. The device's offsets are
    /// register numbers but a file's are bytes, so neighbouring registers (0x198 and
    /// 0x199, 0x610 and 0x611) share bytes here: values are written in address order and
    /// the tests only look at registers no later write overlaps.
    func registerFile(_ values: [UInt32: UInt64], at url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var bytes = [UInt8](repeating: 0, count: Int(values.keys.max()!) + 8)
        for (address, value) in values.sorted(by: { $0.key < $1.key }) {
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(Int(address)..<Int(address) + 8, with: $0) }
        }
        try Data(bytes).write(to: url)
    }

    @Test func registerFilesFixture() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try registerFile([0x1a0: 1 << 38 | 0x850089, 0x1ad: 0x2324_2526, 0xce: 0x8_0838_1100, 0x198: 0x1d00_0000_2a00,
                          0x3a: 5, 0x606: 0xa_0e03, 0x611: 0x1234_5678],
                         at: dir.appendingPathComponent("0/msr"))
        // CPU 1's file ends 7 bytes into 0x611: that register reads short, as on a CPU without it.
        try registerFile([0x199: 0xdead_0000_1f00, 0x1a0: 0x850089, 0x3a: 0xffff_ffff_ffff_fff0, 0x610: 0x42_8150_0001_80e0],
                         at: dir.appendingPathComponent("1/msr"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("2"), withIntermediateDirectories: true)  // no msr device
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("microcode"), withIntermediateDirectories: true)
        let table = MSRTable(directory: dir.path)
        let rows = try table.generate(QueryContext(schema: table.schema)).all()
        #expect(rows.map { $0["processor_number"]!.int } == [0, 1])
        let cpu0 = rows[0], cpu1 = rows[1]
        #expect(cpu0["turbo_disabled"]?.int == 1 && cpu1["turbo_disabled"]?.int == 0)
        #expect(cpu0["turbo_ratio_limit"]?.int == 0x2324_2526 && cpu0["platform_info"]?.int == 0x8_0838_1100)
        #expect(cpu0["perf_status"]?.int == 0x1d00_0000_2a00 && cpu0["feature_control"]?.int == 5)
        #expect(cpu0["rapl_energy_status"]?.int == 0x1234_5678 && cpu0["rapl_power_units"]?.int == 0xa_0e03)
        // perf_ctl keeps the low 16 bits (the requested P-state).
        #expect(cpu1["perf_ctl"]?.int == 0x1f00 && cpu1["rapl_power_limit"]?.int == 0x42_8150_0001_80e0)
        // Registers are 64-bit unsigned; BIGINT keeps the bits (negative past 2^63), as osquery does.
        #expect(cpu1["feature_control"]?.int == -16)
        #expect(cpu1["rapl_energy_status"] == .null)
    }

    /// On the host: a row for each CPU with an msr device, its static registers as rdmsr reads them.
    @Test func hostMatchesRdmsr() throws {
        let cpus = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/cpu")) ?? []).compactMap(Int.init)
            .filter { FileManager.default.fileExists(atPath: "/dev/cpu/\($0)/msr") }.sorted()
        if !cpus.isEmpty { try requireRoot() }
        let rows = try query("SELECT processor_number, platform_info, feature_control FROM msr")
        #expect(rows.map { $0["processor_number"]!.int } == cpus.map(Int64.init))
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/rdmsr") else { return }
        for row in rows {
            let cpu = String(row["processor_number"]!.int)
            for (column, register) in [("platform_info", "0xce"), ("feature_control", "0x3a")] where row[column] != .null {
                let out = try shell(["rdmsr", "-p", cpu, "-u", register]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(UInt64(out).map { Int64(bitPattern: $0) } == row[column]?.int)
            }
        }
    }
}
