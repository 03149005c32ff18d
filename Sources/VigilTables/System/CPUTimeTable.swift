import VigilSQL
import VigilSystem

/// `cpu_time`: per-CPU time counters from /proc/stat, in clock ticks.
public struct CPUTimeTable: VirtualTable {
    public let schema = TableSchema("cpu_time", "Per-CPU time counters from /proc/stat, in clock ticks (USER_HZ).", [
        Column("core", .integer, "CPU index (N of the cpuN line)"),
        Column("user", .bigint, "Ticks running user code at normal priority"),
        Column("nice", .bigint, "Ticks running niced user code"),
        Column("system", .bigint, "Ticks running kernel code"),
        Column("idle", .bigint, "Ticks with nothing to run"),
        Column("iowait", .bigint, "Idle ticks while I/O was outstanding"),
        Column("irq", .bigint, "Ticks handling hardware interrupts"),
        Column("softirq", .bigint, "Ticks handling softirqs"),
        Column("steal", .bigint, "Ticks the hypervisor gave to other virtual machines"),
        Column("guest", .bigint, "Ticks spent running guest vCPUs (also counted in user)"),
        Column("guest_nice", .bigint, "Ticks spent running niced guest vCPUs (also counted in nice)"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let cpus: [CPUTimes]
        do { cpus = try CPUStat.read() } catch { throw TableError("cpu_time: \(error)") }
        return RowSequence(cpus.map { c in
            var row = Row(schema)
            row["core"] = SQLValue(c.core)
            row["user"] = .integer(c.user)
            row["nice"] = .integer(c.nice)
            row["system"] = .integer(c.system)
            row["idle"] = .integer(c.idle)
            row["iowait"] = .integer(c.iowait)
            row["irq"] = .integer(c.irq)
            row["softirq"] = .integer(c.softirq)
            row["steal"] = .integer(c.steal)
            row["guest"] = .integer(c.guest)
            row["guest_nice"] = .integer(c.guestNice)
            return row
        })
    }
}
