import VigilSQL
import VigilSystem

/// `cpu_time`: per-CPU time counters from /proc/stat, in clock ticks.
public struct CPUTimeTable: VirtualTable {
    public let schema = TableSchema("cpu_time", "Time each CPU spent in each state, from /proc/stat.", [
        Column("core", .integer, "CPU number"),
        Column("user", .bigint, "Ticks in user mode"),
        Column("nice", .bigint, "Ticks in user mode at low priority"),
        Column("system", .bigint, "Ticks in kernel mode"),
        Column("idle", .bigint, "Ticks idle"),
        Column("iowait", .bigint, "Ticks waiting for I/O"),
        Column("irq", .bigint, "Ticks servicing interrupts"),
        Column("softirq", .bigint, "Ticks servicing soft interrupts"),
        Column("steal", .bigint, "Ticks taken by the hypervisor for other guests"),
        Column("guest", .bigint, "Ticks running a guest"),
        Column("guest_nice", .bigint, "Ticks running a low-priority guest"),
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
