import Glibc
import VigilSQL
import VigilSystem

/// `msr`: a few model-specific registers of each CPU, read through /dev/cpu/N/msr
/// (root and the msr module). A CPU without the device (no msr driver) has no
/// row, as in osquery; a register the CPU lacks is NULL. Not being allowed to
/// open the device is an error rather than an empty answer.
public struct MSRTable: VirtualTable {
    public let schema = TableSchema("msr", "Various pieces of data stored in the model specific register per processor. NOTE: the msr kernel module must be enabled, and osquery must be run as root.", [
        Column("processor_number", .bigint, "The processor number as reported in /proc/cpuinfo"),
        Column("turbo_disabled", .bigint, "Whether the turbo feature is disabled."),
        Column("turbo_ratio_limit", .bigint, "The turbo feature ratio limit."),
        Column("platform_info", .bigint, "Platform information."),
        Column("perf_ctl", .bigint, "Performance setting for the processor."),
        Column("perf_status", .bigint, "Performance status for the processor."),
        Column("feature_control", .bigint, "Bitfield controlling enabled features."),
        Column("rapl_power_limit", .bigint, "Run Time Average Power Limiting power limit."),
        Column("rapl_energy_status", .bigint, "Run Time Average Power Limiting energy status."),
        Column("rapl_power_units", .bigint, "Run Time Average Power Limiting power units."),
    ])

    /// Column, register address (the kernel's msr-index.h names), the bits kept, and
    /// whether the column is those bits as a 0/1 flag rather than their value.
    static let registers: [(column: String, address: UInt32, mask: UInt64, flag: Bool)] = [
        ("turbo_disabled", 0x1a0, 1 << 38, true),     // MSR_IA32_MISC_ENABLE, its TURBO_DISABLE bit
        ("turbo_ratio_limit", 0x1ad, .max, false),    // MSR_TURBO_RATIO_LIMIT
        ("platform_info", 0xce, .max, false),         // MSR_PLATFORM_INFO
        ("perf_status", 0x198, .max, false),          // MSR_IA32_PERF_STATUS
        ("perf_ctl", 0x199, 0xffff, false),           // MSR_IA32_PERF_CTL, its target P-state field
        ("feature_control", 0x3a, .max, false),       // MSR_IA32_FEATURE_CONTROL
        ("rapl_power_limit", 0x610, .max, false),     // MSR_PKG_POWER_LIMIT
        ("rapl_energy_status", 0x611, .max, false),   // MSR_PKG_ENERGY_STATUS
        ("rapl_power_units", 0x606, .max, false),     // MSR_RAPL_POWER_UNIT
    ]
    let directory: String

    public init() { directory = "/dev/cpu" }
    init(directory: String) { self.directory = directory }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for cpu in ModelSpecificRegisters.cpus(directory: directory) {
            let msr: ModelSpecificRegisters
            do { msr = try ModelSpecificRegisters(cpu: cpu, directory: directory) } catch {
                if error.errno == EACCES || error.errno == EPERM {
                    throw TableError("msr: \(directory)/\(cpu)/msr: \(error) (the msr table needs root)")
                }
                continue  // ENOENT, ENXIO: no msr driver for this CPU
            }
            var r = Row(schema)
            r["processor_number"] = .integer(Int64(cpu))
            for reg in Self.registers where context.isUsed(reg.column) {
                guard let value = msr.read(reg.address) else { continue }
                let kept = value & reg.mask
                r[reg.column] = .integer(reg.flag ? (kept != 0 ? 1 : 0) : Int64(bitPattern: kept))
            }
            rows.append(r)
        }
        return RowSequence(rows)
    }
}
